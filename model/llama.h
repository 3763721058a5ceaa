/* llama.h: the LLaMA decoder with Lynx's bottleneck adapters, optional gated cross-attention
 * blocks, and its KV cache (docs/lynx-model.md sections 3 and 9).
 *
 * Per layer i (pre-norm, RMSNorm, RoPE in the rotate_half layout, SwiGLU):
 *   [CA block if xattn_every > 0 and i % xattn_every == 0]
 *   h = h + o(attn(RoPE(q(RMS(h))), RoPE(k(RMS(h))), v(RMS(h))))   causal
 *   h = h + down(SiLU(gate(RMS(h))) * up(RMS(h)))
 *   [adapter if adapter_every > 0 and i % adapter_every == 0]:
 *   h = h + scaling * up_a(SiLU(down_a(LN(h))))
 * then RMSNorm and lm_head.
 *
 * Rows and padding: the KV cache holds each batch row's tokens without padding. A row's positions
 * are 0, 1, 2, ... over its real tokens, which is exactly what the reference computes for a
 * left-padded batch (position ids = cumsum(mask) - 1, pad keys masked out), so batch size never
 * changes a result.
 *
 * Tensor names: llm.embed_tokens.weight [V,D], llm.norm.weight [D], llm.lm_head.weight [V,D],
 *   llm.layers.N.input_norm.weight [D], llm.layers.N.attn.{q,k,v,o}.weight [D,D],
 *   llm.layers.N.post_attention_norm.weight [D], llm.layers.N.mlp.{gate,up}.weight [I,D],
 *   llm.layers.N.mlp.down.weight [D,I],
 *   llm.layers.N.adapter.norm.{weight,bias} [D],
 *   llm.layers.N.adapter.down.weight [A,D], llm.layers.N.adapter.down.bias [A],
 *   llm.layers.N.adapter.up.weight [D,A], llm.layers.N.adapter.up.bias [D],
 *   llm.layers.N.adapter.scaling [1]; xattn.h names the CA blocks' tensors.
 */
#ifndef LX_LLAMA_H
#define LX_LLAMA_H

#include <stdbool.h>

#include "model/backend.h"
#include "model/block_config.h"
#include "model/weights.h"
#include "model/xattn.h"

typedef struct lx_adapter {
  const float *norm_w, *norm_b; /* [D] */
  lx_tensor down;               /* [A, D] */
  const float *down_b;          /* [A] */
  lx_tensor up;                 /* [D, A] */
  const float *up_b;            /* [D] */
  float scaling;
} lx_adapter;

typedef struct lx_llama_layer {
  const float *input_norm; /* [D] */
  lx_tensor q, k, v, o;    /* [D, D] */
  const float *post_norm;  /* [D] */
  lx_tensor gate, up;      /* [I, D] */
  lx_tensor down;          /* [D, I] */
  lx_adapter *adapter;     /* NULL: no adapter on this layer */
  lx_xattn_block *xattn;   /* NULL: no CA block before this layer */
} lx_llama_layer;

typedef struct lx_llama {
  lx_llm_config cfg;
  int media_width;        /* width of media tokens the CA blocks read */
  lx_tensor embed;        /* [V, D] */
  const float *norm;      /* [D] */
  lx_tensor lm_head;      /* [V, D] */
  lx_llama_layer *layers; /* [layers] */
  lx_adapter *adapters;   /* storage for the layers' adapters */
  lx_xattn_block *xattn;  /* storage for the CA blocks */
  int n_xattn;
  float *rope; /* [max_positions, head_dim/2, 2] cos, sin */
} lx_llama;

void lx_llama_bind(lx_llama *m, const lx_llm_config *cfg, int media_width, lx_binder *b);
void lx_llama_free(lx_llama *m);

/* KV cache for `rows` sequences of up to `capacity` tokens each, plus the CA blocks' media keys
 * and values per row. */
typedef struct lx_kv_cache {
  int layers, rows, capacity, dim;
  float *k, *v; /* [layers, rows, capacity, dim] */
  int *len;     /* [rows] tokens stored */
  int n_xattn, n_media, xkv_dim;
  float *xkv;      /* [n_xattn, rows, n_media, xkv_dim] */
  bool *has_media; /* [rows] */
} lx_kv_cache;

/* Fails if capacity exceeds the model's max_position_embeddings or memory sizes overflow. */
int lx_kv_cache_init(lx_kv_cache *c, const lx_llama *m, int rows, int capacity, int n_media,
                     lx_error *err);
void lx_kv_cache_free(lx_kv_cache *c);

/* Row r becomes a copy of row src[r], for every row (keys, values, media, lengths). */
void lx_kv_cache_reorder(lx_kv_cache *c, const int *src);

/* Stores row's media for the CA blocks (media [n_media, media_width]); no-op without CA blocks. */
void lx_llama_set_media(lx_backend *be, const lx_llama *m, lx_kv_cache *c, int row,
                        const float *media);

typedef struct lx_llama_scratch {
  lx_scratch h, q, k, v, o, gate, up, adapter, last, pos;
  lx_xattn_scratch xattn;
} lx_llama_scratch;

void lx_llama_scratch_free(lx_llama_scratch *s);

/* Runs n_new[r] new tokens for each of n_rows rows (cache rows `rows[r]`), whose input
 * embeddings are stacked in x [sum n_new, D] in row order (x is overwritten). Appends to the cache.
 * If logits is not NULL, writes the logits of each row's last new token: logits [n_rows, V].
 * The caller checks that every row has room (len + n_new <= capacity) and n_new >= 1. */
void lx_llama_forward(lx_backend *be, const lx_llama *m, lx_kv_cache *c, int n_rows,
                      const int *rows, const int *n_new, float *x, float *logits,
                      lx_llama_scratch *s);

#endif
