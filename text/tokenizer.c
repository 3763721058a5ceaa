/* tokenizer.c: SentencePiece BPE and Hugging Face BPE, as described in tokenizer.h.
 * Where a rule below looks arbitrary, it is the reference implementation's rule (SentencePiece
 * 0.1.97's normalizer.cc, bpe_model.cc and sentencepiece_processor.cc; Hugging Face tokenizers'
 * BPE word merging; transformers 4.28's PreTrainedTokenizer.tokenize). */
#include "text/tokenizer.h"

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/unicode.h"

#define MAX_TOKENIZER_BYTES (64u << 20)
#define SPACE_SYMBOL        "\xe2\x96\x81" /* U+2581, the escaped space */
#define SPACE_SYMBOL_LEN    3
#define DEFAULT_UNK_SURFACE " \xe2\x81\x87 "

enum { T_NORMAL = 1, T_UNKNOWN = 2, T_CONTROL = 3, T_USER = 4, T_UNUSED = 5, T_BYTE = 6 };
enum { KIND_SENTENCEPIECE, KIND_HF_BPE };

typedef struct piece {
  char *s;
  size_t len;
  float score;
  unsigned char type;
} piece;

/* Open-addressing map from piece strings to ids (keys live in the pieces array). */
typedef struct strmap {
  int *slot; /* id + 1, 0 = empty */
  size_t mask;
} strmap;

/* HF merges: (left id, right id) -> (rank, merged id). */
typedef struct pairmap {
  uint64_t *key; /* (left << 32 | right) + 1, 0 = empty */
  int *rank, *merged;
  size_t mask;
} pairmap;

typedef struct special {
  char *s;
  size_t len;
  int id;
  bool strip; /* the neighbours lose their adjacent whitespace */
} special;

struct lx_tokenizer {
  char *path;
  int kind;
  piece *pieces; /* [n] */
  int n;
  strmap normal;   /* NORMAL, USER_DEFINED, UNUSED pieces (SentencePiece's pieces_) */
  strmap reserved; /* CONTROL, UNKNOWN, BYTE pieces (SentencePiece's reserved_id_map_) */
  int unk_id;
  int byte_id[256];
  bool byte_fallback;
  /* normalizer */
  bool add_dummy_prefix, remove_extra_ws, escape_ws;
  bool legacy;    /* tokenize: transformers' legacy rule (a dummy prefix on every chunk) */
  bool fast;      /* LX_TOKENIZER_FAST: the converted fast tokenizer's merges and byte decoding */
  uint32_t *trie; /* precompiled charsmap: darts-clone double array, or NULL */
  size_t trie_units;
  char *norm_strings; /* NUL-separated replacement strings the trie points into */
  size_t norm_len;
  int *user_ids; /* USER_DEFINED pieces, matched whole and never merged */
  int n_user;
  char *unk_surface;
  /* Hugging Face BPE */
  pairmap merges;
  bool fuse_unk, ignore_merges;
  /* special tokens for tokenize() and decode(skip_special) */
  special *specials;
  int n_specials;
  int n_total; /* n + appended specials */
};

/* ---- small helpers ----------------------------------------------------------------------------
 */

static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static size_t table_size(size_t n) {
  size_t cap = 16;
  while (cap < 2 * n + 1) cap *= 2;
  return cap;
}

static void strmap_init(strmap *m, size_t n) {
  size_t cap = table_size(n);
  m->slot = lx_xcalloc(cap, sizeof(int));
  m->mask = cap - 1;
}

/* Inserts id under pieces[id]; returns the existing id if the string is already present. */
static int strmap_put(strmap *m, const piece *pieces, int id) {
  const piece *p = &pieces[id];
  for (size_t i = hash_bytes(p->s, p->len) & m->mask;; i = (i + 1) & m->mask) {
    int cur = m->slot[i] - 1;
    if (cur < 0) {
      m->slot[i] = id + 1;
      return id;
    }
    if (pieces[cur].len == p->len && memcmp(pieces[cur].s, p->s, p->len) == 0) return cur;
  }
}

static int strmap_get(const strmap *m, const piece *pieces, const char *s, size_t n) {
  if (!m->slot) return -1;
  for (size_t i = hash_bytes(s, n) & m->mask;; i = (i + 1) & m->mask) {
    int cur = m->slot[i] - 1;
    if (cur < 0) return -1;
    if (pieces[cur].len == n && memcmp(pieces[cur].s, s, n) == 0) return cur;
  }
}

static uint64_t pair_key(int left, int right) {
  return ((uint64_t)(uint32_t)left << 32 | (uint32_t)right) + 1;
}

static void pairmap_init(pairmap *m, size_t n) {
  size_t cap = table_size(n);
  m->key = lx_xcalloc(cap, sizeof(uint64_t));
  m->rank = lx_xcalloc(cap, sizeof(int));
  m->merged = lx_xcalloc(cap, sizeof(int));
  m->mask = cap - 1;
}

/* Keeps the first (lowest-rank) entry of a duplicated pair. */
static void pairmap_put(pairmap *m, int left, int right, int rank, int merged) {
  uint64_t k = pair_key(left, right);
  for (size_t i = (k * 0x9E3779B97F4A7C15ull) >> 20 & m->mask;; i = (i + 1) & m->mask) {
    if (m->key[i] == 0) {
      m->key[i] = k, m->rank[i] = rank, m->merged[i] = merged;
      return;
    }
    if (m->key[i] == k) return;
  }
}

static bool pairmap_get(const pairmap *m, int left, int right, int *rank, int *merged) {
  if (!m->key) return false;
  uint64_t k = pair_key(left, right);
  for (size_t i = (k * 0x9E3779B97F4A7C15ull) >> 20 & m->mask;; i = (i + 1) & m->mask) {
    if (m->key[i] == 0) return false;
    if (m->key[i] == k) {
      *rank = m->rank[i], *merged = m->merged[i];
      return true;
    }
  }
}

/* "<0x41>" -> 0x41, or -1. */
static int piece_byte(const char *s, size_t n) {
  static const char hex[] = "0123456789ABCDEF";
  if (n != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>') return -1;
  const char *a = strchr(hex, s[3]), *b = strchr(hex, s[4]);
  if (!a || !b || !s[3] || !s[4]) return -1;
  return (int)((a - hex) * 16 + (b - hex));
}

static char *dup_bytes(const void *s, size_t n) {
  char *p = lx_xmalloc(n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

void lx_tokenizer_free(lx_tokenizer *t) {
  if (!t) return;
  for (int i = 0; i < t->n; i++) free(t->pieces[i].s);
  free(t->pieces);
  free(t->normal.slot);
  free(t->reserved.slot);
  free(t->trie);
  free(t->norm_strings);
  free(t->user_ids);
  free(t->unk_surface);
  free(t->merges.key);
  free(t->merges.rank);
  free(t->merges.merged);
  for (int i = 0; i < t->n_specials; i++) free(t->specials[i].s);
  free(t->specials);
  free(t->path);
  free(t);
}

/* Indexes the pieces: the two maps, byte ids, the unknown id, user-defined symbols. */
static int index_pieces(lx_tokenizer *t, lx_error *err) {
  strmap_init(&t->normal, (size_t)t->n);
  strmap_init(&t->reserved, (size_t)t->n);
  for (int b = 0; b < 256; b++) t->byte_id[b] = -1;
  t->unk_id = -1;
  t->user_ids = lx_xcalloc((size_t)t->n + 1, sizeof(int));
  for (int i = 0; i < t->n; i++) {
    piece *p = &t->pieces[i];
    if (p->len == 0) return lx_errorf(err, "%s: piece %d is empty", t->path, i);
    bool normal = p->type == T_NORMAL || p->type == T_USER || p->type == T_UNUSED;
    int prev = strmap_put(normal ? &t->normal : &t->reserved, t->pieces, i);
    if (prev != i)
      return lx_errorf(err, "%s: piece '%s' is defined twice (ids %d and %d)", t->path, p->s, prev,
                       i);
    if (p->type == T_USER) t->user_ids[t->n_user++] = i;
    if (p->type == T_UNKNOWN) {
      if (t->unk_id >= 0) return lx_errorf(err, "%s: more than one unknown piece", t->path);
      t->unk_id = i;
    }
    if (p->type == T_BYTE) {
      int b = piece_byte(p->s, p->len);
      if (b < 0) return lx_errorf(err, "%s: byte piece '%s' is malformed", t->path, p->s);
      t->byte_id[b] = i;
    }
  }
  if (t->unk_id < 0) return lx_errorf(err, "%s: no unknown piece", t->path);
  if (t->byte_fallback)
    for (int b = 0; b < 256; b++)
      if (t->byte_id[b] < 0 && t->kind == KIND_SENTENCEPIECE)
        return lx_errorf(err, "%s: byte fallback is on but piece <0x%02X> is missing", t->path, b);
  t->n_total = t->n;
  return LX_OK;
}

/* ---- tokenizer.model: protobuf ------------------------------------------------------------- */

typedef struct pb {
  const unsigned char *p, *end;
} pb;

static int pb_varint(pb *r, uint64_t *v) {
  uint64_t x = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (r->p >= r->end) return -1;
    unsigned char b = *r->p++;
    x |= (uint64_t)(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      *v = x;
      return 0;
    }
  }
  return -1;
}

/* Reads a field header and, for length-delimited fields, the payload bounds. */
typedef struct pb_field {
  uint32_t num, wire;
  uint64_t value;            /* varint / fixed */
  const unsigned char *data; /* length-delimited payload */
  size_t len;
} pb_field;

static int pb_next(pb *r, pb_field *f) {
  memset(f, 0, sizeof *f);
  uint64_t key;
  if (pb_varint(r, &key)) return -1;
  f->num = (uint32_t)(key >> 3);
  f->wire = (uint32_t)(key & 7);
  switch (f->wire) {
    case 0:
      return pb_varint(r, &f->value);
    case 1:
      if (r->end - r->p < 8) return -1;
      memcpy(&f->value, r->p, 8);
      r->p += 8;
      return 0;
    case 5: {
      if (r->end - r->p < 4) return -1;
      uint32_t v;
      memcpy(&v, r->p, 4);
      f->value = v;
      r->p += 4;
      return 0;
    }
    case 2: {
      uint64_t n;
      if (pb_varint(r, &n) || n > (uint64_t)(r->end - r->p)) return -1;
      f->data = r->p;
      f->len = (size_t)n;
      r->p += n;
      return 0;
    }
    default:
      return -1; /* groups and unknown wire types */
  }
}

typedef struct sp_specs {
  int model_type;
  bool byte_fallback, whitespace_suffix;
  bool add_dummy_prefix, remove_extra_ws, escape_ws;
  const unsigned char *charsmap;
  size_t charsmap_len;
  const unsigned char *unk_surface;
  size_t unk_surface_len;
  bool has_unk_surface, denormalizer;
} sp_specs;

static int parse_piece(const pb_field *f, piece *p) {
  pb r = {f->data, f->data + f->len};
  pb_field g;
  p->type = T_NORMAL;
  p->score = 0;
  bool have_text = false;
  while (r.p < r.end) {
    if (pb_next(&r, &g)) return -1;
    if (g.num == 1 && g.wire == 2) {
      free(p->s);
      p->s = dup_bytes(g.data, g.len);
      p->len = g.len;
      have_text = true;
    } else if (g.num == 2 && g.wire == 5) {
      uint32_t bits = (uint32_t)g.value;
      memcpy(&p->score, &bits, 4);
    } else if (g.num == 3 && g.wire == 0) {
      if (g.value < 1 || g.value > 6) return -1;
      p->type = (unsigned char)g.value;
    }
  }
  if (!have_text) p->s = dup_bytes("", 0), p->len = 0;
  return 0;
}

static int parse_trainer(const pb_field *f, sp_specs *s) {
  pb r = {f->data, f->data + f->len};
  pb_field g;
  while (r.p < r.end) {
    if (pb_next(&r, &g)) return -1;
    if (g.num == 3 && g.wire == 0) s->model_type = (int)g.value;
    if (g.num == 35 && g.wire == 0) s->byte_fallback = g.value != 0;
    if (g.num == 24 && g.wire == 0) s->whitespace_suffix = g.value != 0;
    if (g.num == 44 && g.wire == 2) {
      s->unk_surface = g.data, s->unk_surface_len = g.len, s->has_unk_surface = true;
    }
  }
  return 0;
}

static int parse_normalizer(const pb_field *f, sp_specs *s, bool denormalizer) {
  pb r = {f->data, f->data + f->len};
  pb_field g;
  while (r.p < r.end) {
    if (pb_next(&r, &g)) return -1;
    if (denormalizer) {
      if (g.num == 2 && g.wire == 2 && g.len > 0) s->denormalizer = true;
      continue;
    }
    if (g.num == 2 && g.wire == 2) s->charsmap = g.data, s->charsmap_len = g.len;
    if (g.num == 3 && g.wire == 0) s->add_dummy_prefix = g.value != 0;
    if (g.num == 4 && g.wire == 0) s->remove_extra_ws = g.value != 0;
    if (g.num == 5 && g.wire == 0) s->escape_ws = g.value != 0;
  }
  return 0;
}

/* The charsmap blob: uint32 trie size, the darts-clone double array, then NUL-terminated
 * replacement strings. */
static int load_charsmap(lx_tokenizer *t, const unsigned char *blob, size_t n, lx_error *err) {
  uint32_t trie_bytes;
  if (n <= 4) return lx_errorf(err, "%s: normalization rules are broken", t->path);
  memcpy(&trie_bytes, blob, 4);
  if (trie_bytes >= n - 4 || trie_bytes % 4 != 0 || trie_bytes == 0)
    return lx_errorf(err, "%s: normalization rules are broken (trie of %u bytes)", t->path,
                     trie_bytes);
  t->trie_units = trie_bytes / 4;
  t->trie = lx_xcalloc(t->trie_units, sizeof(uint32_t));
  memcpy(t->trie, blob + 4, trie_bytes);
  t->norm_len = n - 4 - trie_bytes;
  t->norm_strings = dup_bytes(blob + 4 + trie_bytes, t->norm_len);
  return LX_OK;
}

static int load_sentencepiece(lx_tokenizer *t, const unsigned char *data, size_t len,
                              lx_error *err) {
  t->kind = KIND_SENTENCEPIECE;
  sp_specs s = {
      .model_type = 1, .add_dummy_prefix = true, .remove_extra_ws = true, .escape_ws = true};
  pb r = {data, data + len};
  pb_field f;
  size_t cap = 0;
  while (r.p < r.end) {
    if (pb_next(&r, &f))
      return lx_errorf(err, "%s: not a SentencePiece model (bad protobuf)", t->path);
    int rc = 0;
    if (f.num == 1 && f.wire == 2) {
      if ((size_t)t->n == cap) {
        cap = cap ? cap * 2 : 1024;
        piece *np = lx_xcalloc(cap, sizeof *np);
        if (t->pieces) memcpy(np, t->pieces, (size_t)t->n * sizeof *np);
        free(t->pieces);
        t->pieces = np;
      }
      rc = parse_piece(&f, &t->pieces[t->n]);
      t->n++;
    } else if (f.num == 2 && f.wire == 2) {
      rc = parse_trainer(&f, &s);
    } else if (f.num == 3 && f.wire == 2) {
      rc = parse_normalizer(&f, &s, false);
    } else if (f.num == 5 && f.wire == 2) {
      rc = parse_normalizer(&f, &s, true);
    }
    if (rc) return lx_errorf(err, "%s: not a SentencePiece model (bad protobuf)", t->path);
  }
  if (t->n == 0) return lx_errorf(err, "%s: not a SentencePiece model (no pieces)", t->path);
  if (s.model_type != 2)
    return lx_errorf(err, "%s: a %s SentencePiece model; lynxeval implements BPE models (LLaMA's)",
                     t->path,
                     s.model_type == 1   ? "unigram"
                     : s.model_type == 3 ? "word"
                     : s.model_type == 4 ? "char"
                                         : "unknown-type");
  if (s.whitespace_suffix)
    return lx_errorf(err, "%s: treat_whitespace_as_suffix models are not supported", t->path);
  if (s.denormalizer) return lx_errorf(err, "%s: denormalization rules are not supported", t->path);
  t->byte_fallback = s.byte_fallback;
  t->add_dummy_prefix = s.add_dummy_prefix;
  t->legacy = true;
  t->remove_extra_ws = s.remove_extra_ws;
  t->escape_ws = s.escape_ws;
  t->unk_surface = s.has_unk_surface ? dup_bytes(s.unk_surface, s.unk_surface_len)
                                     : dup_bytes(DEFAULT_UNK_SURFACE, strlen(DEFAULT_UNK_SURFACE));
  if (s.charsmap_len && load_charsmap(t, s.charsmap, s.charsmap_len, err)) return LX_ERR;
  for (int i = 0; i < t->n; i++)
    if (t->pieces[i].type == T_BYTE && !t->byte_fallback)
      return lx_errorf(err, "%s: byte piece '%s' found although byte fallback is off", t->path,
                       t->pieces[i].s);
  return index_pieces(t, err);
}

/* ---- tokenizer.json ------------------------------------------------------------------------ */

static int hf_normalizer_ok(const cJSON *n, const char *path, lx_error *err) {
  /* LLaMA's: Sequence[Prepend("▁"), Replace(" " -> "▁")]. */
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(n, "type");
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(n, "normalizers");
  if (cJSON_IsString(type) && strcmp(type->valuestring, "Sequence") == 0 && cJSON_IsArray(list) &&
      cJSON_GetArraySize(list) == 2) {
    const cJSON *a = cJSON_GetArrayItem(list, 0), *b = cJSON_GetArrayItem(list, 1);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(a, "type");
    const cJSON *prep = cJSON_GetObjectItemCaseSensitive(a, "prepend");
    const cJSON *bt = cJSON_GetObjectItemCaseSensitive(b, "type");
    const cJSON *pat = cJSON_GetObjectItemCaseSensitive(b, "pattern");
    const cJSON *from = pat ? cJSON_GetObjectItemCaseSensitive(pat, "String") : NULL;
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(b, "content");
    if (cJSON_IsString(at) && strcmp(at->valuestring, "Prepend") == 0 && cJSON_IsString(prep) &&
        strcmp(prep->valuestring, SPACE_SYMBOL) == 0 && cJSON_IsString(bt) &&
        strcmp(bt->valuestring, "Replace") == 0 && cJSON_IsString(from) &&
        strcmp(from->valuestring, " ") == 0 && cJSON_IsString(to) &&
        strcmp(to->valuestring, SPACE_SYMBOL) == 0)
      return LX_OK;
  }
  return lx_errorf(err,
                   "%s: normalizer is not LLaMA's (Prepend \"\u2581\", Replace \" \" -> "
                   "\"\u2581\"); other tokenizer.json normalizers are not supported",
                   path);
}

static int load_hf_json(lx_tokenizer *t, const char *text, size_t len, lx_error *err) {
  t->kind = KIND_HF_BPE;
  if (lx_json_check_text(t->path, text, len, err)) return LX_ERR;
  cJSON *root = cJSON_ParseWithLength(text, len);
  int rc = LX_OK;
  const cJSON *model, *vocab, *merges, *type, *norm, *pre;
  if (!root || !cJSON_IsObject(root)) {
    rc = lx_errorf(err, "%s: not valid JSON", t->path);
    goto done;
  }
  if ((rc = lx_json_check_unique_keys(t->path, root, err)) != LX_OK) goto done;
  model = cJSON_GetObjectItemCaseSensitive(root, "model");
  type = model ? cJSON_GetObjectItemCaseSensitive(model, "type") : NULL;
  if (!cJSON_IsString(type) || strcmp(type->valuestring, "BPE") != 0) {
    rc = lx_errorf(err, "%s: model.type is not \"BPE\"", t->path);
    goto done;
  }
  norm = cJSON_GetObjectItemCaseSensitive(root, "normalizer");
  pre = cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer");
  if (!norm || (rc = hf_normalizer_ok(norm, t->path, err)) != LX_OK) {
    if (!norm) rc = lx_errorf(err, "%s: no normalizer (LLaMA's tokenizer.json has one)", t->path);
    goto done;
  }
  if (pre && !cJSON_IsNull(pre)) {
    rc = lx_errorf(err, "%s: pre_tokenizer is set; LLaMA's tokenizer.json has none", t->path);
    goto done;
  }
  for (const char *k = "continuing_subword_prefix"; k;
       k = strcmp(k, "continuing_subword_prefix") == 0 ? "end_of_word_suffix" : NULL) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(model, k);
    if (v && !cJSON_IsNull(v) && !(cJSON_IsString(v) && !*v->valuestring)) {
      rc = lx_errorf(err, "%s: model.%s is not supported", t->path, k);
      goto done;
    }
  }
  t->byte_fallback = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(model, "byte_fallback"));
  t->fuse_unk = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(model, "fuse_unk"));
  t->ignore_merges = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(model, "ignore_merges"));
  vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
  merges = cJSON_GetObjectItemCaseSensitive(model, "merges");
  if (!cJSON_IsObject(vocab) || !cJSON_IsArray(merges)) {
    rc = lx_errorf(err, "%s: model.vocab (object) and model.merges (array) are required", t->path);
    goto done;
  }
  /* Ids: the vocabulary's, plus added tokens; every id from 0 to the largest must be present. */
  int max_id = -1;
  const cJSON *e;
  const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
  cJSON_ArrayForEach(e, vocab) {
    if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble > 1e7) {
      rc = lx_errorf(err, "%s: vocab entry '%s' has no valid id", t->path, e->string);
      goto done;
    }
    if (e->valueint > max_id) max_id = e->valueint;
  }
  cJSON_ArrayForEach(e, added) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
    if (cJSON_IsNumber(id) && id->valueint > max_id && id->valuedouble <= 1e7)
      max_id = id->valueint;
  }
  t->n = max_id + 1;
  t->pieces = lx_xcalloc((size_t)(t->n ? t->n : 1), sizeof(piece));
  cJSON_ArrayForEach(e, vocab) {
    piece *p = &t->pieces[e->valueint];
    if (p->s) {
      rc = lx_errorf(err, "%s: id %d is used twice in the vocabulary", t->path, e->valueint);
      goto done;
    }
    p->s = dup_bytes(e->string, strlen(e->string));
    p->len = strlen(e->string);
    p->type = T_NORMAL;
  }
  const cJSON *unk = cJSON_GetObjectItemCaseSensitive(model, "unk_token");
  cJSON_ArrayForEach(e, added) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(e, "content");
    if (!cJSON_IsNumber(id) || !cJSON_IsString(content) || id->valueint < 0) {
      rc = lx_errorf(err, "%s: added_tokens entry without id and content", t->path);
      goto done;
    }
    piece *p = &t->pieces[id->valueint];
    if (!p->s) p->s = dup_bytes(content->valuestring, strlen(content->valuestring));
    p->len = strlen(p->s);
    if (strcmp(p->s, content->valuestring) != 0) {
      rc = lx_errorf(err, "%s: added token '%s' and vocabulary piece '%s' share id %d", t->path,
                     content->valuestring, p->s, id->valueint);
      goto done;
    }
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "special"))) p->type = T_CONTROL;
  }
  for (int i = 0; i < t->n; i++) {
    piece *p = &t->pieces[i];
    if (!p->s) {
      rc = lx_errorf(err, "%s: no vocabulary entry has id %d", t->path, i);
      goto done;
    }
    if (cJSON_IsString(unk) && strcmp(p->s, unk->valuestring) == 0)
      p->type = T_UNKNOWN;
    else if (t->byte_fallback && piece_byte(p->s, p->len) >= 0)
      p->type = T_BYTE;
  }
  t->add_dummy_prefix = true;
  t->legacy = true;
  t->remove_extra_ws = false;
  t->escape_ws = true;
  t->unk_surface = dup_bytes(DEFAULT_UNK_SURFACE, strlen(DEFAULT_UNK_SURFACE));
  /* HF looks every piece up in one vocabulary: index all as "normal" for encoding. */
  strmap_init(&t->normal, (size_t)t->n);
  strmap_init(&t->reserved, 1);
  for (int b = 0; b < 256; b++) t->byte_id[b] = -1;
  t->unk_id = -1;
  for (int i = 0; i < t->n; i++) {
    strmap_put(&t->normal, t->pieces, i);
    if (t->pieces[i].type == T_UNKNOWN) t->unk_id = i;
    if (t->pieces[i].type == T_BYTE) t->byte_id[piece_byte(t->pieces[i].s, t->pieces[i].len)] = i;
  }
  t->n_total = t->n;
  pairmap_init(&t->merges, (size_t)cJSON_GetArraySize(merges));
  int rank = 0;
  cJSON_ArrayForEach(e, merges) {
    const char *a, *b;
    size_t la, lb;
    const char *sp = NULL;
    if (cJSON_IsString(e) && (sp = strchr(e->valuestring, ' ')) != NULL) {
      a = e->valuestring, la = (size_t)(sp - a), b = sp + 1, lb = strlen(b);
    } else if (cJSON_IsArray(e) && cJSON_GetArraySize(e) == 2 &&
               cJSON_IsString(cJSON_GetArrayItem(e, 0)) &&
               cJSON_IsString(cJSON_GetArrayItem(e, 1))) {
      a = cJSON_GetArrayItem(e, 0)->valuestring, la = strlen(a);
      b = cJSON_GetArrayItem(e, 1)->valuestring, lb = strlen(b);
    } else {
      rc = lx_errorf(err, "%s: merge %d is not \"left right\"", t->path, rank);
      goto done;
    }
    char *joined = lx_xmalloc(la + lb + 1);
    memcpy(joined, a, la);
    memcpy(joined + la, b, lb);
    int li = strmap_get(&t->normal, t->pieces, a, la);
    int ri = strmap_get(&t->normal, t->pieces, b, lb);
    int mi = strmap_get(&t->normal, t->pieces, joined, la + lb);
    free(joined);
    if (li < 0 || ri < 0 || mi < 0) {
      rc = lx_errorf(err, "%s: merge %d ('%.*s' + '%.*s') uses a piece not in the vocabulary",
                     t->path, rank, (int)la, a, (int)lb, b);
      goto done;
    }
    pairmap_put(&t->merges, li, ri, rank, mi);
    rank++;
  }
done:
  cJSON_Delete(root);
  return rc;
}

int lx_tokenizer_load(const char *path, lx_tokenizer **out, lx_error *err) {
  *out = NULL;
  char *data;
  size_t len;
  if (lx_read_file(path, MAX_TOKENIZER_BYTES, &data, &len, err)) return LX_ERR;
  lx_tokenizer *t = lx_xcalloc(1, sizeof *t);
  t->path = lx_xstrdup(path);
  size_t i = 0;
  while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) i++;
  int rc = (i < len && data[i] == '{')
               ? load_hf_json(t, data, len, err)
               : load_sentencepiece(t, (const unsigned char *)data, len, err);
  free(data);
  if (rc) {
    lx_tokenizer_free(t);
    return LX_ERR;
  }
  *out = t;
  return LX_OK;
}

int lx_tokenizer_size(const lx_tokenizer *t) {
  return t->n_total;
}

const char *lx_tokenizer_piece(const lx_tokenizer *t, int id) {
  if (id < 0 || id >= t->n_total) return NULL;
  if (id < t->n) return t->pieces[id].s;
  for (int i = 0; i < t->n_specials; i++)
    if (t->specials[i].id == id) return t->specials[i].s;
  return NULL;
}

int lx_tokenizer_piece_to_id(const lx_tokenizer *t, const char *s, size_t n) {
  int id = strmap_get(&t->reserved, t->pieces, s, n);
  if (id < 0) id = strmap_get(&t->normal, t->pieces, s, n);
  return id < 0 ? t->unk_id : id;
}

int lx_tokenizer_add_special(lx_tokenizer *t, const char *text, int id, bool strip_neighbours,
                             lx_error *err) {
  size_t n = strlen(text);
  if (n == 0) return lx_errorf(err, "%s: empty special token", t->path);
  if (id < 0 || id > t->n_total)
    return lx_errorf(err, "%s: special token '%s' has id %d, outside 0..%d", t->path, text, id,
                     t->n_total);
  if (id < t->n_total) {
    const char *have = lx_tokenizer_piece(t, id);
    if (!have || strcmp(have, text) != 0)
      return lx_errorf(err, "%s: special token '%s' given id %d, which is the piece '%s'", t->path,
                       text, id, have ? have : "?");
  } else {
    t->n_total++;
  }
  for (int i = 0; i < t->n_specials; i++)
    if (t->specials[i].id == id) return LX_OK;
  special *s = lx_xcalloc((size_t)t->n_specials + 1, sizeof *s);
  if (t->specials) memcpy(s, t->specials, (size_t)t->n_specials * sizeof *s);
  free(t->specials);
  t->specials = s;
  t->specials[t->n_specials++] = (special){dup_bytes(text, n), n, id, strip_neighbours};
  return LX_OK;
}

void lx_tokenizer_set_rules(lx_tokenizer *t, lx_tokenizer_rules rules) {
  t->legacy = rules != LX_TOKENIZER_NONLEGACY;
  t->fast = rules == LX_TOKENIZER_FAST;
}

int lx_tokenizer_add_lynx_specials(lx_tokenizer *t, int bos_id, int eos_id, int unk_id, int pad_id,
                                   lx_error *err) {
  const int ids[3] = {bos_id, eos_id, unk_id};
  for (int i = 0; i < 3; i++) {
    const char *p = lx_tokenizer_piece(t, ids[i]);
    if (!p)
      return lx_errorf(err, "%s: special token id %d is not in the vocabulary", t->path, ids[i]);
    if (lx_tokenizer_add_special(t, p, ids[i], false, err)) return LX_ERR;
  }
  const char *pad = lx_tokenizer_piece(t, pad_id);
  if (pad && strcmp(pad, "[PAD]") != 0) return LX_OK; /* an existing piece (LLaVA's <unk>) */
  return lx_tokenizer_add_special(t, "[PAD]", pad_id, true, err);
}

/* ---- normalization -----------------------------------------------------------------------------
 */

/* Longest user-defined symbol at the start of s, or 0. */
static size_t user_match(const lx_tokenizer *t, const char *s, size_t n) {
  size_t best = 0;
  for (int i = 0; i < t->n_user; i++) {
    const piece *p = &t->pieces[t->user_ids[i]];
    if (p->len <= n && p->len > best && memcmp(p->s, s, p->len) == 0) best = p->len;
  }
  return best;
}

/* Longest charsmap rule matching the start of s: its length, and the replacement. */
static size_t charsmap_match(const lx_tokenizer *t, const char *s, size_t n, const char **repl) {
  if (!t->trie) return 0;
  size_t best = 0;
  uint32_t node = 0;
  uint32_t unit = t->trie[0];
  node ^= (unit >> 10) << ((unit & (1u << 9)) >> 6);
  for (size_t i = 0; i < n; i++) {
    node ^= (unsigned char)s[i];
    if (node >= t->trie_units) break;
    unit = t->trie[node];
    if ((unit & ((1u << 31) | 0xFF)) != (unsigned char)s[i]) break;
    node ^= (unit >> 10) << ((unit & (1u << 9)) >> 6);
    if ((unit >> 8) & 1) {
      if (node >= t->trie_units) break;
      uint32_t value = t->trie[node] & ((1u << 31) - 1);
      if (value < t->norm_len) {
        best = i + 1;
        *repl = t->norm_strings + value;
      }
    }
  }
  return best;
}

/* SentencePiece's NormalizePrefix: (replacement, consumed bytes) for the start of s. */
static size_t normalize_prefix(const lx_tokenizer *t, const char *s, size_t n, const char **out,
                               size_t *out_len) {
  size_t m = user_match(t, s, n);
  if (m) {
    *out = s, *out_len = m;
    return m;
  }
  const char *repl;
  m = charsmap_match(t, s, n, &repl);
  if (m) {
    *out = repl, *out_len = strlen(repl);
    return m;
  }
  size_t len;
  if (lx_utf8_decode(s, n, &len) == LX_UTF8_INVALID) {
    *out = "\xEF\xBF\xBD", *out_len = 3; /* U+FFFD for one malformed byte */
    return 1;
  }
  *out = s, *out_len = len;
  return len;
}

static void put_space(const lx_tokenizer *t, lx_strbuf *b) {
  if (t->escape_ws)
    lx_strbuf_append(b, SPACE_SYMBOL, SPACE_SYMBOL_LEN);
  else
    lx_strbuf_putc(b, ' ');
}

/* prefix: the dummy "▁" the model's normalizer adds, when it adds one */
static void normalize(const lx_tokenizer *t, const char *s, size_t n, bool prefix, lx_strbuf *out) {
  lx_strbuf_clear(out);
  const char *r;
  size_t rlen;
  if (t->remove_extra_ws)
    while (n > 0) {
      size_t used = normalize_prefix(t, s, n, &r, &rlen);
      if (!(rlen == 1 && r[0] == ' ')) break;
      s += used, n -= used;
    }
  if (n == 0) return;
  if (prefix && t->add_dummy_prefix) put_space(t, out);
  bool prev_space = t->remove_extra_ws;
  while (n > 0) {
    size_t used = normalize_prefix(t, s, n, &r, &rlen);
    while (prev_space && rlen > 0 && r[0] == ' ') r++, rlen--;
    if (rlen > 0) {
      for (size_t i = 0; i < rlen; i++)
        if (r[i] == ' ')
          put_space(t, out);
        else
          lx_strbuf_putc(out, r[i]);
      prev_space = r[rlen - 1] == ' ';
    }
    s += used, n -= used;
    if (!t->remove_extra_ws) prev_space = false;
  }
  if (t->remove_extra_ws) {
    size_t sl = t->escape_ws ? SPACE_SYMBOL_LEN : 1;
    const char *sp = t->escape_ws ? SPACE_SYMBOL : " ";
    while (out->len >= sl && memcmp(out->p + out->len - sl, sp, sl) == 0) out->len -= sl;
    if (out->p) out->p[out->len] = '\0';
  }
}

/* ---- BPE ---------------------------------------------------------------------------------------
 */

typedef struct symbol {
  int prev, next;    /* -1 at the ends */
  size_t start, len; /* bytes of the normalized text; len 0 = merged away */
  int id;            /* Hugging Face BPE: the symbol's vocabulary id */
  bool frozen;       /* user-defined symbol: never merged */
} symbol;

typedef struct candidate {
  int left, right;
  float score; /* SentencePiece: the merged piece's score (higher first) */
  int rank;    /* Hugging Face: the merge's rank (lower first) */
  int merged;  /* Hugging Face: the merged id */
  size_t size; /* SentencePiece: bytes of the merged piece */
} candidate;

typedef struct heap {
  candidate *v;
  int len, cap;
  int kind;
} heap;

/* a before b? SentencePiece: higher score, then smaller left; HF: lower rank, then smaller left. */
static bool before(const heap *h, const candidate *a, const candidate *b) {
  if (h->kind == KIND_SENTENCEPIECE) {
    if (a->score != b->score) return a->score > b->score;
  } else if (a->rank != b->rank) {
    return a->rank < b->rank;
  }
  return a->left < b->left;
}

static void heap_push(heap *h, candidate c) {
  if (h->len == h->cap) {
    int cap = h->cap ? h->cap * 2 : 64;
    candidate *v = lx_xcalloc((size_t)cap, sizeof *v);
    if (h->v) memcpy(v, h->v, (size_t)h->len * sizeof *v);
    free(h->v);
    h->v = v;
    h->cap = cap;
  }
  int i = h->len++;
  h->v[i] = c;
  while (i > 0) {
    int parent = (i - 1) / 2;
    if (!before(h, &h->v[i], &h->v[parent])) break;
    candidate tmp = h->v[i];
    h->v[i] = h->v[parent];
    h->v[parent] = tmp;
    i = parent;
  }
}

static candidate heap_pop(heap *h) {
  candidate top = h->v[0];
  h->v[0] = h->v[--h->len];
  int i = 0;
  for (;;) {
    int l = 2 * i + 1, r = l + 1, best = i;
    if (l < h->len && before(h, &h->v[l], &h->v[best])) best = l;
    if (r < h->len && before(h, &h->v[r], &h->v[best])) best = r;
    if (best == i) break;
    candidate tmp = h->v[i];
    h->v[i] = h->v[best];
    h->v[best] = tmp;
    i = best;
  }
  return top;
}

/* Remembers how an UNUSED piece was formed, to split it again (SentencePiece's rev_merge). */
typedef struct rev_merge {
  size_t start, len, left_len; /* the merged piece in the text and its left part's length */
} rev_merge;

typedef struct bpe_state {
  const lx_tokenizer *t;
  const char *text;
  symbol *sym;
  int n_sym;
  heap agenda;
  rev_merge *rev;
  int n_rev, cap_rev;
} bpe_state;

static void sp_maybe_add(bpe_state *b, int left, int right) {
  if (left < 0 || right < 0 || b->sym[left].frozen || b->sym[right].frozen) return;
  const lx_tokenizer *t = b->t;
  size_t start = b->sym[left].start, size = b->sym[left].len + b->sym[right].len;
  int id = strmap_get(&t->normal, t->pieces, b->text + start, size);
  if (id < 0) return;
  /* transformers 4.28 builds the fast tokenizer's merges from the pieces whose score is true in
   * Python (`if piece_score:`), so there is no merge into a piece scored 0: SentencePiece's
   * first merge ("▁▁" in LLaMA, a space doubled) */
  if (t->fast && t->pieces[id].score == 0.0f) return;
  heap_push(&b->agenda, (candidate){left, right, t->pieces[id].score, 0, id, size});
  if (t->pieces[id].type == T_UNUSED) {
    if (b->n_rev == b->cap_rev) {
      b->cap_rev = b->cap_rev ? b->cap_rev * 2 : 16;
      rev_merge *r = lx_xcalloc((size_t)b->cap_rev, sizeof *r);
      if (b->rev) memcpy(r, b->rev, (size_t)b->n_rev * sizeof *r);
      free(b->rev);
      b->rev = r;
    }
    b->rev[b->n_rev++] = (rev_merge){start, size, b->sym[left].len};
  }
}

/* Appends the id(s) of piece text[start..start+len), splitting UNUSED pieces back into the parts
 * they were merged from (the latest recorded merge of that string wins, as in a map). */
static void sp_resegment(bpe_state *b, size_t start, size_t len, lx_ints *pieces_start,
                         lx_ints *pieces_len) {
  const lx_tokenizer *t = b->t;
  int id = lx_tokenizer_piece_to_id(t, b->text + start, len);
  if (t->pieces[id].type == T_UNUSED) {
    for (int i = b->n_rev - 1; i >= 0; i--) {
      const rev_merge *r = &b->rev[i];
      if (r->len == len && memcmp(b->text + r->start, b->text + start, len) == 0) {
        sp_resegment(b, start, r->left_len, pieces_start, pieces_len);
        sp_resegment(b, start + r->left_len, len - r->left_len, pieces_start, pieces_len);
        return;
      }
    }
  }
  lx_ints_push(pieces_start, (int)start);
  lx_ints_push(pieces_len, (int)len);
}

/* SentencePiece: normalized text -> ids, with unknown handling. */
static void sp_encode_normalized(const lx_tokenizer *t, const char *text, size_t n, lx_ints *out) {
  bpe_state b = {.t = t, .text = text, .agenda = {.kind = KIND_SENTENCEPIECE}};
  b.sym = lx_xcalloc(n ? n : 1, sizeof(symbol));
  for (size_t pos = 0; pos < n;) {
    size_t len = user_match(t, text + pos, n - pos);
    bool frozen = len > 0;
    if (!frozen) {
      static const unsigned char one_char_len[16] = {1, 1, 1, 1, 1, 1, 1, 1,
                                                     1, 1, 1, 1, 2, 2, 3, 4};
      len = one_char_len[(unsigned char)text[pos] >> 4];
      if (len > n - pos) len = n - pos;
    }
    b.sym[b.n_sym] = (symbol){b.n_sym - 1, -1, pos, len, -1, frozen};
    if (b.n_sym > 0) b.sym[b.n_sym - 1].next = b.n_sym;
    b.n_sym++;
    pos += len;
  }
  for (int i = 1; i < b.n_sym; i++) sp_maybe_add(&b, i - 1, i);
  while (b.agenda.len > 0) {
    candidate top = heap_pop(&b.agenda);
    symbol *l = &b.sym[top.left], *r = &b.sym[top.right];
    if (l->len == 0 || r->len == 0 || l->len + r->len != top.size) continue; /* stale */
    l->len += r->len;
    l->next = r->next;
    if (r->next >= 0) b.sym[r->next].prev = top.left;
    r->len = 0;
    sp_maybe_add(&b, l->prev, top.left);
    sp_maybe_add(&b, top.left, l->next);
  }
  lx_ints starts = {0}, lens = {0};
  for (int i = 0; i >= 0 && i < b.n_sym; i = b.sym[i].next)
    sp_resegment(&b, b.sym[i].start, b.sym[i].len, &starts, &lens);
  /* Unknown pieces: bytes with byte fallback, else one unknown id per run. */
  bool prev_unk = false;
  for (int i = 0; i < starts.len; i++) {
    const char *s = text + starts.v[i];
    size_t len = (size_t)lens.v[i];
    int id = lx_tokenizer_piece_to_id(t, s, len);
    bool unk = t->pieces[id].type == T_UNKNOWN;
    if (unk && t->byte_fallback) {
      for (size_t k = 0; k < len; k++) lx_ints_push(out, t->byte_id[(unsigned char)s[k]]);
    } else if (!(unk && prev_unk)) {
      lx_ints_push(out, id);
    }
    prev_unk = unk;
  }
  lx_ints_free(&starts);
  lx_ints_free(&lens);
  free(b.sym);
  free(b.agenda.v);
  free(b.rev);
}

/* Hugging Face BPE (tokenizers' Word::merge_all) over one word. */
static void hf_encode_normalized(const lx_tokenizer *t, const char *text, size_t n, lx_ints *out) {
  if (n == 0) return;
  if (t->ignore_merges) {
    int whole = strmap_get(&t->normal, t->pieces, text, n);
    if (whole >= 0) {
      lx_ints_push(out, whole);
      return;
    }
  }
  symbol *sym = lx_xcalloc(n + 1, sizeof(symbol)); /* at most one symbol per byte */
  int count = 0;
  int unk_len = -1; /* pending unknown run (bytes), -1 = none */
  for (size_t pos = 0; pos < n;) {
    size_t len;
    lx_utf8_decode(text + pos, n - pos, &len);
    int id = strmap_get(&t->normal, t->pieces, text + pos, len);
    if (id >= 0) {
      if (unk_len >= 0) sym[count++] = (symbol){0, 0, 0, (size_t)unk_len, t->unk_id, false};
      unk_len = -1;
      sym[count++] = (symbol){0, 0, pos, len, id, false};
    } else {
      bool bytes_ok = t->byte_fallback;
      for (size_t k = 0; bytes_ok && k < len; k++)
        bytes_ok = t->byte_id[(unsigned char)text[pos + k]] >= 0;
      if (bytes_ok) {
        for (size_t k = 0; k < len; k++)
          sym[count++] =
              (symbol){0, 0, pos + k, 1, t->byte_id[(unsigned char)text[pos + k]], false};
      } else if (t->unk_id >= 0) {
        if (unk_len >= 0 && t->fuse_unk) {
          unk_len += (int)len;
        } else {
          if (unk_len >= 0) sym[count++] = (symbol){0, 0, 0, (size_t)unk_len, t->unk_id, false};
          unk_len = (int)len;
        }
      }
    }
    pos += len;
  }
  if (unk_len >= 0) sym[count++] = (symbol){0, 0, 0, (size_t)unk_len, t->unk_id, false};
  for (int i = 0; i < count; i++) {
    sym[i].prev = i - 1;
    sym[i].next = i + 1 < count ? i + 1 : -1;
  }
  heap agenda = {.kind = KIND_HF_BPE};
  int rank, merged;
  for (int i = 0; i + 1 < count; i++)
    if (pairmap_get(&t->merges, sym[i].id, sym[i + 1].id, &rank, &merged))
      heap_push(&agenda, (candidate){i, i + 1, 0, rank, merged, 0});
  while (agenda.len > 0) {
    candidate top = heap_pop(&agenda);
    symbol *cur = &sym[top.left];
    if (cur->len == 0 || cur->next < 0) continue;
    symbol *right = &sym[cur->next];
    if (!pairmap_get(&t->merges, cur->id, right->id, &rank, &merged) || merged != top.merged)
      continue; /* stale */
    cur->id = top.merged;
    cur->len += right->len;
    int rnext = right->next;
    right->len = 0;
    cur->next = rnext;
    if (rnext >= 0) sym[rnext].prev = top.left;
    if (cur->prev >= 0 && pairmap_get(&t->merges, sym[cur->prev].id, cur->id, &rank, &merged))
      heap_push(&agenda, (candidate){cur->prev, top.left, 0, rank, merged, 0});
    if (cur->next >= 0 && pairmap_get(&t->merges, cur->id, sym[cur->next].id, &rank, &merged))
      heap_push(&agenda, (candidate){top.left, cur->next, 0, rank, merged, 0});
  }
  for (int i = 0; i < count; i++)
    if (sym[i].len > 0) lx_ints_push(out, sym[i].id);
  free(agenda.v);
  free(sym);
}

static int check_utf8(const lx_tokenizer *t, const char *text, size_t len, lx_error *err) {
  size_t bad;
  if (!lx_utf8_valid(text, len, &bad))
    return lx_errorf(err, "%s: text is not valid UTF-8 (byte %zu is 0x%02X)", t->path, bad,
                     (unsigned char)text[bad]);
  return LX_OK;
}

static void encode_chunk(const lx_tokenizer *t, const char *text, size_t len, bool prefix,
                         lx_strbuf *norm, lx_ints *out) {
  if (t->kind == KIND_SENTENCEPIECE) {
    normalize(t, text, len, prefix, norm);
    sp_encode_normalized(t, lx_strbuf_str(norm), norm->len, out);
  } else {
    /* Prepend "▁" and replace every space by "▁" (LLaMA's tokenizer.json normalizer). */
    lx_strbuf_clear(norm);
    if (len == 0) return;
    if (prefix) lx_strbuf_append(norm, SPACE_SYMBOL, SPACE_SYMBOL_LEN);
    for (size_t i = 0; i < len; i++)
      if (text[i] == ' ')
        lx_strbuf_append(norm, SPACE_SYMBOL, SPACE_SYMBOL_LEN);
      else
        lx_strbuf_putc(norm, text[i]);
    hf_encode_normalized(t, lx_strbuf_str(norm), norm->len, out);
  }
}

int lx_tokenizer_encode(const lx_tokenizer *t, const char *text, size_t len, lx_ints *out,
                        lx_error *err) {
  (void)err; /* malformed UTF-8 becomes U+FFFD, as SentencePiece does */
  lx_strbuf norm = {0};
  encode_chunk(t, text, len, true, &norm, out);
  lx_strbuf_free(&norm);
  return LX_OK;
}

/* ---- Hugging Face tokenize: split on special tokens first -------------------------------------
 */

typedef struct chunk {
  const char *s;
  size_t len;
  int special; /* index into t->specials, or -1 */
} chunk;

/* The special token starting at s (the longest), or -1. */
static int special_at(const lx_tokenizer *t, const char *s, size_t n) {
  int best = -1;
  for (int i = 0; i < t->n_specials; i++) {
    const special *sp = &t->specials[i];
    if (sp->len <= n && memcmp(sp->s, s, sp->len) == 0 &&
        (best < 0 || sp->len > t->specials[best].len))
      best = i;
  }
  return best;
}

/* Python's str.lstrip(). */
static void lstrip_chunk(chunk *c) {
  size_t i = 0;
  while (i < c->len) {
    size_t l;
    uint32_t cp = lx_utf8_decode(c->s + i, c->len - i, &l);
    if (cp == LX_UTF8_INVALID || !lx_py_isspace(cp)) break;
    i += l;
  }
  c->s += i, c->len -= i;
}

/* Python's str.rstrip(). */
static void rstrip_chunk(chunk *c) {
  size_t b, e;
  lx_py_strip(c->s, c->len, &b, &e);
  if (b == c->len) { /* all whitespace */
    c->len = 0;
    return;
  }
  c->len = e;
}

int lx_tokenizer_tokenize(const lx_tokenizer *t, const char *text, size_t len, lx_ints *out,
                          lx_error *err) {
  if (check_utf8(t, text, len, err)) return LX_ERR;
  chunk *chunks = lx_xcalloc(2 * len + 1, sizeof(chunk));
  int n = 0;
  size_t start = 0;
  for (size_t i = 0; i < len;) {
    int sp = special_at(t, text + i, len - i);
    if (sp < 0) {
      i++;
      continue;
    }
    if (i > start) chunks[n++] = (chunk){text + start, i - start, -1};
    chunks[n++] = (chunk){text + i, t->specials[sp].len, sp};
    i += t->specials[sp].len;
    start = i;
  }
  if (len > start) chunks[n++] = (chunk){text + start, len - start, -1};
  /* Neighbours of stripping special tokens lose their whitespace (in order, as the reference
   * mutates its list while walking it). */
  for (int i = 0; i < n; i++) {
    if (chunks[i].special < 0 || !t->specials[chunks[i].special].strip) continue;
    if (i + 1 < n && chunks[i + 1].len) lstrip_chunk(&chunks[i + 1]);
    if (i > 0 && chunks[i - 1].len) rstrip_chunk(&chunks[i - 1]);
  }
  lx_strbuf norm = {0};
  for (int i = 0; i < n; i++) {
    if (chunks[i].len == 0) continue;
    if (chunks[i].special >= 0)
      lx_ints_push(out, t->specials[chunks[i].special].id);
    else
      /* transformers >= 4.35 with legacy=False: only the text's start gets the prefix */
      encode_chunk(t, chunks[i].s, chunks[i].len, t->legacy || i == 0, &norm, out);
  }
  lx_strbuf_free(&norm);
  free(chunks);
  return LX_OK;
}

/* ---- decode ------------------------------------------------------------------------------------
 */

static bool is_special(const lx_tokenizer *t, int id) {
  for (int i = 0; i < t->n_specials; i++)
    if (t->specials[i].id == id) return true;
  return false;
}

/* Byte pieces [from, to) of ids: UTF-8 characters, U+FFFD for each malformed byte; for the fast
 * tokenizer (its ByteFallback decoder), U+FFFD for every byte of a run that is
 * not valid UTF-8 as a whole. */
static void flush_bytes(const lx_tokenizer *t, const int *ids, int from, int to, lx_strbuf *out) {
  if (from >= to) return;
  char *bytes = lx_xmalloc((size_t)(to - from));
  for (int i = from; i < to; i++)
    bytes[i - from] = (char)piece_byte(t->pieces[ids[i]].s, t->pieces[ids[i]].len);
  size_t n = (size_t)(to - from), bad;
  if (t->fast && !lx_utf8_valid(bytes, n, &bad)) {
    for (size_t i = 0; i < n; i++) lx_strbuf_append(out, "\xEF\xBF\xBD", 3);
    free(bytes);
    return;
  }
  for (size_t off = 0; off < n;) {
    size_t len;
    if (lx_utf8_decode(bytes + off, n - off, &len) == LX_UTF8_INVALID) {
      lx_strbuf_append(out, "\xEF\xBF\xBD", 3);
      off += 1;
    } else {
      lx_strbuf_append(out, bytes + off, len);
      off += len;
    }
  }
  free(bytes);
}

int lx_tokenizer_decode(const lx_tokenizer *t, const int *ids_in, int n_in, bool skip_special,
                        lx_strbuf *out, lx_error *err) {
  int *ids = lx_xcalloc((size_t)(n_in ? n_in : 1), sizeof(int));
  int n = 0;
  for (int i = 0; i < n_in; i++) {
    if (ids_in[i] < 0 || ids_in[i] >= t->n_total) {
      free(ids);
      return lx_errorf(err, "token id %d is outside the vocabulary (0..%d)", ids_in[i],
                       t->n_total - 1);
    }
    if (skip_special && is_special(t, ids_in[i])) continue;
    ids[n++] = ids_in[i];
  }
  size_t base = out->len; /* "text is empty" refers to this call's output */
  bool is_bos_ws = true, bos_ws_seen = false;
  int byte_start = 0;
  for (int i = 0; i < n; i++) {
    int id = ids[i];
    if (id < t->n && t->pieces[id].type == T_BYTE) continue;
    flush_bytes(t, ids, byte_start, i, out);
    byte_start = i + 1;
    if (bos_ws_seen || out->len > base) is_bos_ws = false;
    bos_ws_seen = false;
    if (id >= t->n) { /* an appended special token such as [PAD] */
      lx_strbuf_puts(out, lx_tokenizer_piece(t, id));
      continue;
    }
    const piece *p = &t->pieces[id];
    if (p->type == T_CONTROL) continue;
    if (p->type == T_UNKNOWN) {
      lx_strbuf_puts(out, t->unk_surface);
      continue;
    }
    const char *s = p->s;
    size_t len = p->len;
    if (is_bos_ws && (t->add_dummy_prefix || t->remove_extra_ws) && len >= SPACE_SYMBOL_LEN &&
        memcmp(s, SPACE_SYMBOL, SPACE_SYMBOL_LEN) == 0) {
      s += SPACE_SYMBOL_LEN, len -= SPACE_SYMBOL_LEN;
      bos_ws_seen = !t->remove_extra_ws;
    }
    for (size_t k = 0; k < len;) {
      if (len - k >= SPACE_SYMBOL_LEN && memcmp(s + k, SPACE_SYMBOL, SPACE_SYMBOL_LEN) == 0) {
        lx_strbuf_putc(out, ' ');
        k += SPACE_SYMBOL_LEN;
      } else {
        lx_strbuf_putc(out, s[k++]);
      }
    }
  }
  flush_bytes(t, ids, byte_start, n, out);
  free(ids);
  return LX_OK;
}

/* LlamaTokenizer.convert_tokens_to_string of transformers 4.28.0 over ids[0..n) (none added past
 * the SentencePiece model): each special token as its text, the pieces before it decoded in
 * front, and a space first when the token before was not special and this is not the first. */
static int tokens_to_string(const lx_tokenizer *t, const int *ids, int n, lx_strbuf *out,
                            lx_error *err) {
  int from = 0;
  bool prev_special = false;
  for (int i = 0; i < n; i++) {
    if (!is_special(t, ids[i])) {
      prev_special = false;
      continue;
    }
    if (!prev_special && i != 0) lx_strbuf_putc(out, ' ');
    if (lx_tokenizer_decode(t, ids + from, i - from, false, out, err)) return LX_ERR;
    lx_strbuf_puts(out, lx_tokenizer_piece(t, ids[i]));
    prev_special = true;
    from = i + 1;
  }
  return lx_tokenizer_decode(t, ids + from, n - from, false, out, err);
}

int lx_tokenizer_decode_keep_special(const lx_tokenizer *t, const int *ids, int n, lx_strbuf *out,
                                     lx_error *err) {
  for (int i = 0; i < n; i++)
    if (ids[i] < 0 || ids[i] >= t->n_total)
      return lx_errorf(err, "token id %d is outside the vocabulary (0..%d)", ids[i],
                       t->n_total - 1);
  /* PreTrainedTokenizer._decode: each added token a text of its own, the runs between them
   * through convert_tokens_to_string, the texts joined by spaces */
  int run = 0, texts = 0;
  for (int i = 0; i <= n; i++) {
    if (i < n && ids[i] < t->n) continue;
    if (i > run) {
      if (texts++) lx_strbuf_putc(out, ' ');
      if (tokens_to_string(t, ids + run, i - run, out, err)) return LX_ERR;
    }
    if (i < n) {
      if (texts++) lx_strbuf_putc(out, ' ');
      lx_strbuf_puts(out, lx_tokenizer_piece(t, ids[i]));
    }
    run = i + 1;
  }
  return LX_OK;
}
