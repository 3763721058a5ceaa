/* model.c: the family-neutral half of model.h: loading a directory, and the checks every family
 * shares, in front of the family's functions. */
#include "model/model.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "model/family.h"

/* ---- loading --------------------------------------------------------------------------------- */

static int unknown_family(const char *file, const char *name, lx_error *err) {
  lx_strbuf known = {0};
  for (int i = 0; lx_families[i]; i++)
    lx_strbuf_printf(&known, "%s%s", i ? ", " : "", lx_families[i]->name);
  lx_errorf(err, "%s: family \"%s\" is not one this lynxeval knows (known: %s)", file, name,
            lx_strbuf_str(&known));
  lx_strbuf_free(&known);
  return LX_ERR;
}

/* The config part: shared keys, family, the family's keys. */
static int open_config(lx_model *m, const cJSON *root, const char *file, lx_error *err) {
  m->family = lx_family_find(m->cfg.family);
  if (!m->family) return unknown_family(file, m->cfg.family, err);
  if (m->family->open(root, file, &m->cfg, &m->net, &m->info, err)) return LX_ERR;
  m->info.family = m->family->name;
  return LX_OK;
}

/* Binds the loaded weights to the network, which runs on be from then on. Whole models run on
 * host memory only (weights are mapped from the file). */
static int bind_weights(lx_model *m, lx_backend *be, lx_error *err) {
  LX_CHECK(be != NULL);
  if (!be->ops->host_memory)
    return lx_errorf(err,
                     "the %s backend runs single kernels only so far: whole models run on the "
                     "cpu backend",
                     be->ops->name);
  m->backend = be;
  if (m->family->bind(m->net, m->weights, be, &m->info, err)) return LX_ERR;
  const char *unused = lx_weights_first_unused(m->weights);
  if (unused)
    return lx_errorf(err, "%s: tensor '%s' is not part of the model config.json describes",
                     lx_weights_path(m->weights), unused);
  return LX_OK;
}

char *lx_model_tokenizer_file(const char *dir) {
  char *path = lx_path_join(dir, "tokenizer.model");
  if (access(path, F_OK) != 0) {
    char *json = lx_path_join(dir, "tokenizer.json");
    if (access(json, F_OK) == 0) {
      free(path);
      return json;
    }
    free(json);
  }
  return path;
}

int lx_family_llama_tokenizer(const char *dir, const lx_llm_config *l, lx_tokenizer **out,
                              lx_error *err) {
  *out = NULL;
  char *path = lx_model_tokenizer_file(dir);
  lx_tokenizer *t = NULL;
  int rc = lx_tokenizer_load(path, &t, err);
  /* the added tokens in id order, so that each new one is appended at its id; then the
   * reference's specials (a [PAD] among the added tokens keeps its strip rule) */
  for (int k = 0, last = -1; rc == LX_OK && k < l->n_added; k++) {
    int next = -1;
    for (int i = 0; i < l->n_added; i++)
      if (l->added[i].id > last && (next < 0 || l->added[i].id < l->added[next].id)) next = i;
    if (next < 0) break; /* ids given twice */
    last = l->added[next].id;
    rc = lx_tokenizer_add_special(t, l->added[next].text, last, l->added[next].strip, err);
  }
  if (rc == LX_OK && !l->specials_listed) {
    rc = lx_tokenizer_add_lynx_specials(t, l->bos_id, l->eos_id, l->unk_id, l->pad_id, err);
    if (rc != LX_OK) { /* the ids come from config.json: name it first, as the file to fix */
      lx_error inner = *err;
      char *cfg = lx_path_join(dir, "config.json");
      lx_errorf(err, "%s: the special token ids of \"llm\" do not fit the tokenizer (%s)", cfg,
                inner.msg);
      free(cfg);
    }
  }
  if (rc == LX_OK && lx_tokenizer_size(t) != l->vocab_size) {
    /* config.json is the file to fix: name it, and what the pad id made of the vocabulary */
    char *cfg = lx_path_join(dir, "config.json");
    const char *pad = lx_tokenizer_piece(t, l->pad_id);
    const bool appended = pad && strcmp(pad, "[PAD]") == 0;
    if (l->specials_listed)
      rc = lx_errorf(err, "%s: llm.vocab_size is %d, but %s and llm.added_tokens make %d ids", cfg,
                     l->vocab_size, path, lx_tokenizer_size(t));
    else
      rc = lx_errorf(err, "%s: llm.vocab_size is %d, but %s has %d ids (llm.pad_token_id %d %s)",
                     cfg, l->vocab_size, path, lx_tokenizer_size(t), l->pad_id,
                     appended ? "is the [PAD] appended to it"
                              : "is one of its pieces, so no [PAD] is appended");
    free(cfg);
  }
  if (rc == LX_OK)
    *out = t;
  else
    lx_tokenizer_free(t);
  free(path);
  return rc;
}

void lx_family_llama_costs(const lx_weights *w, lx_model_info *info) {
  size_t params = 0;
  for (size_t i = 0; i < lx_weights_count(w); i++) {
    const lx_tensor *t = lx_weights_at(w, i);
    if (t->ndim == 2 && strncmp(t->name, "llm.layers.", 11) == 0) params += t->numel;
  }
  info->prefill_flops = 2.0 * (double)params;
  info->decode_read_bytes =
      (double)(lx_weights_bytes(w, "llm.layers.") + lx_weights_bytes(w, "llm.lm_head.") +
               lx_weights_bytes(w, "llm.norm."));
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* When dir holds no config.json but model directories (each with one), fails naming them: a
 * folder of checkpoints given where one checkpoint was meant. Otherwise LX_OK (and the config's
 * own reading says what is wrong, if anything). */
static int refuse_folder_of_models(const char *dir, lx_error *err) {
  char *cfg = lx_path_join(dir, "config.json");
  const bool has_config = access(cfg, F_OK) == 0;
  free(cfg);
  DIR *d = has_config ? NULL : opendir(dir);
  if (!d) return LX_OK;
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char *sub = lx_path_join(dir, e->d_name), *sub_cfg = lx_path_join(sub, "config.json");
    if (access(sub_cfg, F_OK) == 0) {
      names = lx_xrealloc_array(names, n + 1, sizeof *names);
      names[n++] = sub;
    } else {
      free(sub);
    }
    free(sub_cfg);
  }
  closedir(d);
  if (n == 0) return LX_OK;
  qsort(names, n, sizeof *names, cmp_names);
  lx_strbuf list = {0};
  for (size_t i = 0; i < n && i < 10; i++) lx_strbuf_printf(&list, "%s%s", i ? ", " : "", names[i]);
  if (n > 10) lx_strbuf_printf(&list, " and %zu more", n - 10);
  lx_errorf(err,
            "%s is a folder of model directories, not a model (it has no config.json); name one of "
            "them: %s",
            dir, lx_strbuf_str(&list));
  lx_strbuf_free(&list);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  return LX_ERR;
}

int lx_model_open(const char *dir, int parts, lx_backend *be, lx_model **out, lx_error *err) {
  *out = NULL;
  if (refuse_folder_of_models(dir, err) != LX_OK) return LX_ERR;
  lx_model *m = lx_xcalloc(1, sizeof *m);
  m->dir = lx_xstrdup(dir);
  char *cfg_path = lx_path_join(dir, "config.json");
  cJSON *root = NULL;
  int rc = lx_model_config_load(cfg_path, &root, &m->cfg, err);
  if (rc == LX_OK) rc = open_config(m, root, cfg_path, err);
  cJSON_Delete(root);
  free(cfg_path);
  if (rc == LX_OK && (parts & LX_LOAD_WEIGHTS)) {
    char *w_path = lx_path_join(dir, "model.safetensors");
    rc = lx_weights_open(w_path, &m->weights, err);
    free(w_path);
    if (rc == LX_OK) rc = bind_weights(m, be, err);
  }
  if (rc == LX_OK && (parts & LX_LOAD_TOKENIZER)) {
    rc = m->family->load_tokenizer(m->net, dir, &m->tokenizer, err);
    if (rc == LX_OK) lx_tokenizer_set_rules(m->tokenizer, m->cfg.prompt.tokenizer_rules);
  }
  if (rc != LX_OK) {
    lx_model_free(m);
    return rc;
  }
  *out = m;
  return LX_OK;
}

int lx_model_load(const char *dir, lx_backend *be, lx_model **out, lx_error *err) {
  return lx_model_open(dir, LX_LOAD_ALL, be, out, err);
}

static const lx_model_shape *find_shape(const char *name, const lx_family **family) {
  for (int i = 0; lx_families[i]; i++)
    for (const lx_model_shape *s = lx_families[i]->shapes; s && s->name; s++)
      if (strcmp(s->name, name) == 0) {
        *family = lx_families[i];
        return s;
      }
  return NULL;
}

/* Every family's shapes: "name (summary)" lines, or the names alone joined by ", ". */
static void list_shapes(lx_strbuf *out, bool summaries) {
  for (int i = 0; lx_families[i]; i++)
    for (const lx_model_shape *s = lx_families[i]->shapes; s && s->name; s++)
      if (summaries)
        lx_strbuf_printf(out, "%s (%s)\n", s->name, s->summary);
      else
        lx_strbuf_printf(out, "%s%s", out->len ? ", " : "", s->name);
}

void lx_model_shapes(lx_strbuf *out) {
  list_shapes(out, true);
}

bool lx_model_shape_exists(const char *name) {
  const lx_family *f;
  return find_shape(name, &f) != NULL;
}

int lx_model_synthetic(const char *shape, lx_dtype dtype, unsigned long long seed, lx_backend *be,
                       lx_model **out, lx_error *err) {
  *out = NULL;
  const lx_family *family = NULL;
  const lx_model_shape *s = find_shape(shape, &family);
  if (!s) {
    lx_strbuf known = {0};
    list_shapes(&known, false);
    lx_errorf(err, "shape \"%s\" is not one this lynxeval knows (known: %s)", shape,
              lx_strbuf_str(&known));
    lx_strbuf_free(&known);
    return LX_ERR;
  }
  char origin[96];
  snprintf(origin, sizeof origin, "the %s shape", s->name);
  lx_model *m = lx_xcalloc(1, sizeof *m);
  m->dir = lx_xstrdup("(synthetic)");
  cJSON *root = cJSON_Parse(s->config_json);
  int rc = root ? lx_model_config_from_json(root, origin, &m->cfg, err)
                : lx_errorf(err, "%s: its config is not valid JSON", origin);
  if (rc == LX_OK && strcmp(m->cfg.family, family->name) != 0)
    rc = lx_errorf(err, "%s: its config names family \"%s\", not \"%s\"", origin, m->cfg.family,
                   family->name);
  if (rc == LX_OK) rc = open_config(m, root, origin, err);
  cJSON_Delete(root);
  if (rc == LX_OK) {
    m->weights = lx_weights_synthetic(dtype, seed);
    rc = bind_weights(m, be, err);
  }
  if (rc != LX_OK) {
    lx_model_free(m);
    return LX_ERR;
  }
  *out = m;
  return LX_OK;
}

void lx_model_free(lx_model *m) {
  if (!m) return;
  if (m->family && m->net) m->family->close(m->net);
  lx_weights_close(m->weights);
  lx_tokenizer_free(m->tokenizer);
  free(m->dir);
  free(m);
}

/* ---- media and prompts ----------------------------------------------------------------------- */

static int need_weights(const lx_model *m, lx_error *err) {
  if (!m->weights) return lx_errorf(err, "%s: the model was opened without its weights", m->dir);
  return LX_OK;
}

const char *const *lx_model_extra_files(const lx_model *m) {
  static const char *const none[] = {NULL};
  const char *const *f = m->family->files ? m->family->files(m->net) : NULL;
  return f ? f : none;
}

int lx_model_media_rows(const lx_model *m, int n_frames) {
  return m->family->media_rows ? m->family->media_rows(m->net, n_frames) : m->info.media_rows;
}

size_t lx_model_media_floats(const lx_model *m, int n_frames) {
  return (size_t)lx_model_media_rows(m, n_frames) * (size_t)m->info.media_width;
}

int lx_model_encode_profiled(const lx_model *m, const float *pixels, int n_frames,
                             const char *instruction, float *media, lx_encode_profile *profile,
                             lx_error *err) {
  if (need_weights(m, err)) return LX_ERR;
  if (m->info.media_reads_instruction && !instruction)
    return lx_errorf(err, "%s: this model encodes media with the prompt's text; none was given",
                     m->dir);
  if (profile) memset(profile, 0, sizeof *profile);
  return m->family->encode(m->net, pixels, n_frames, instruction, media, profile, err);
}

int lx_model_instruction_ids(const lx_model *m, const char *instruction, lx_ints *ids,
                             lx_error *err) {
  if (!m->info.media_reads_instruction || !m->family->instruction_ids)
    return lx_errorf(err, "%s: this model's media encoder reads no text", m->dir);
  return m->family->instruction_ids(m->net, instruction, ids, err);
}

int lx_model_encode(const lx_model *m, const float *pixels, int n_frames, const char *instruction,
                    float *media, lx_error *err) {
  return lx_model_encode_profiled(m, pixels, n_frames, instruction, media, NULL, err);
}

/* The model's prompt config with a task's template (NULL: the config's), which serves questions
 * with and without media alike; the caller frees it. */
static lx_prompt_config *prompt_config(const lx_model *m, const char *template_, lx_error *err) {
  lx_prompt_config *p = lx_xmalloc(sizeof *p);
  *p = m->cfg.prompt;
  if (template_) {
    if (snprintf(p->template_, sizeof p->template_, "%s", template_) >= (int)sizeof p->template_) {
      lx_errorf(err, "prompt template longer than %zu bytes", sizeof p->template_ - 1);
      free(p);
      return NULL;
    }
    p->text_only_template[0] = '\0';
  }
  return p;
}

int lx_model_prompt_text(const lx_model *m, const char *template_, const char *question,
                         bool with_media, lx_strbuf *out, lx_error *err) {
  lx_prompt_config *p = prompt_config(m, template_, err);
  if (!p) return LX_ERR;
  int rc = lx_prompt_text_for(p, question, with_media, out, err);
  free(p);
  return rc;
}

int lx_model_prompt_ids(const lx_model *m, const char *template_, const char *question,
                        bool with_media, lx_ints *ids, int *dropped, lx_error *err) {
  if (!m->tokenizer)
    return lx_errorf(err, "%s: the model was opened without its tokenizer", m->dir);
  lx_prompt_config *p = prompt_config(m, template_, err);
  if (!p) return LX_ERR;
  int rc = lx_prompt_ids(m->tokenizer, p, m->info.bos_id, question, with_media, ids, dropped, err);
  free(p);
  return rc;
}

void lx_prompt_add_ids(lx_prompt *p, const int *ids, int n_ids) {
  LX_CHECK(p->n < LX_PROMPT_MAX_SEGMENTS);
  p->seg[p->n++] = (lx_prompt_segment){NULL, 0, ids, n_ids};
}

void lx_prompt_add_media(lx_prompt *p, const float *media, int rows) {
  LX_CHECK(p->n < LX_PROMPT_MAX_SEGMENTS && media != NULL && rows > 0);
  p->seg[p->n++] = (lx_prompt_segment){media, rows, NULL, 0};
}

lx_prompt lx_model_prompt(const lx_model *m, const float *media, int media_rows, const int *ids,
                          int n_ids) {
  lx_prompt p = {0};
  int at = 0;
  while (at < n_ids && ids[at] != LX_MEDIA_ID) at++;
  if (media && at < n_ids) { /* the prompt says where: [ids before] [media] [ids after] */
    if (at > 0) lx_prompt_add_ids(&p, ids, at);
    lx_prompt_add_media(&p, media, media_rows);
    if (at + 1 < n_ids) lx_prompt_add_ids(&p, ids + at + 1, n_ids - at - 1);
    return p;
  }
  if (m->family->prompt) return m->family->prompt(m->net, media, media_rows, ids, n_ids);
  if (media) lx_prompt_add_media(&p, media, media_rows);
  lx_prompt_add_ids(&p, ids, n_ids);
  return p;
}

int lx_model_prompt_positions(const lx_model *m, const lx_prompt *p) {
  int n = 0;
  for (int i = 0; i < p->n; i++)
    n += !p->seg[i].media ? p->seg[i].n_ids : m->info.media_positions ? p->seg[i].rows : 0;
  return n;
}

/* ---- sessions -------------------------------------------------------------------------------- */

struct lx_session {
  const lx_model *model;
  int rows;
  int *all_rows; /* [rows]: 0..rows-1 */
  void *impl;    /* the family's */
};

int lx_session_new(const lx_model *m, int rows, int capacity, lx_session **out, lx_error *err) {
  *out = NULL;
  if (need_weights(m, err)) return LX_ERR;
  if (rows < 1) return lx_errorf(err, "a session needs at least one row, got %d", rows);
  lx_session *s = lx_xcalloc(1, sizeof *s);
  s->model = m;
  s->rows = rows;
  if (m->family->session_new(m->net, rows, capacity, &s->impl, err)) {
    free(s);
    return LX_ERR;
  }
  s->all_rows = lx_xcalloc((size_t)rows, sizeof(int));
  for (int r = 0; r < rows; r++) s->all_rows[r] = r;
  *out = s;
  return LX_OK;
}

void lx_session_free(lx_session *s) {
  if (!s) return;
  s->model->family->session_free(s->impl);
  free(s->all_rows);
  free(s);
}

static int check_ids(const lx_model *m, const int *ids, int n, int row, lx_error *err) {
  for (int i = 0; i < n; i++)
    if (ids[i] < 0 || ids[i] >= m->info.vocab_size)
      return lx_errorf(err, "row %d: token id %d at index %d is outside the vocabulary (0..%d)",
                       row, ids[i], i, m->info.vocab_size - 1);
  return LX_OK;
}

int lx_session_prefill_rows(lx_session *s, const int *rows, int n, const lx_prompt *prompts,
                            float *logits, lx_error *err) {
  for (int i = 0; i < n; i++) {
    const int r = rows[i];
    if (r < 0 || r >= s->rows) return lx_errorf(err, "row %d is outside the session", r);
    const lx_prompt *p = &prompts[i];
    if (p->n < 0 || p->n > LX_PROMPT_MAX_SEGMENTS)
      return lx_errorf(err, "row %d: %d prompt segments (0..%d)", r, p->n, LX_PROMPT_MAX_SEGMENTS);
    for (int k = 0; k < p->n; k++) {
      if (p->seg[k].media) continue;
      if (p->seg[k].n_ids < 0) return lx_errorf(err, "row %d: negative token count", r);
      if (check_ids(s->model, p->seg[k].ids, p->seg[k].n_ids, r, err)) return LX_ERR;
    }
  }
  return s->model->family->prefill_rows(s->impl, rows, n, prompts, logits, err);
}

int lx_session_prefill(lx_session *s, const lx_prompt *prompts, float *logits, lx_error *err) {
  return lx_session_prefill_rows(s, s->all_rows, s->rows, prompts, logits, err);
}

void lx_session_reorder(lx_session *s, const int *src) {
  s->model->family->reorder(s->impl, src);
}

int lx_session_step(lx_session *s, const int *ids, float *logits, lx_error *err) {
  for (int r = 0; r < s->rows; r++)
    if (check_ids(s->model, &ids[r], 1, r, err)) return LX_ERR;
  return s->model->family->step(s->impl, ids, logits, err);
}

int lx_session_length(const lx_session *s, int row) {
  return s->model->family->length(s->impl, row);
}

/* ---- description ----------------------------------------------------------------------------- */

void lx_model_describe(const lx_model *m, lx_strbuf *out) {
  lx_strbuf_printf(out, "family:     %s (%s)\n", m->family->name, m->family->summary);
  m->family->describe(m->net, out);
}

int lx_model_parameter_parts(const lx_model *m, const char **names, size_t *counts, int max) {
  int n = 0;
  for (const lx_weight_part *p = m->family->parts; p && p->name && n < max - 1; p++) {
    names[n] = p->name;
    counts[n++] = 0;
  }
  const int other = n;
  names[n] = "other";
  counts[n++] = 0;
  for (size_t i = 0; m->weights && i < lx_weights_count(m->weights); i++) {
    const lx_tensor *t = lx_weights_at(m->weights, i);
    int k = other;
    for (int j = 0; j < other; j++)
      if (strncmp(t->name, m->family->parts[j].prefix, strlen(m->family->parts[j].prefix)) == 0) {
        k = j;
        break;
      }
    counts[k] += t->numel;
  }
  return n;
}
