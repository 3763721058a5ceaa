#include "model/model_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "model/config_keys.h"

static int copy_string(const char *file, const char *key, const char *s, char *dst, size_t cap,
                       lx_error *err) {
  if (strlen(s) >= cap) return lx_errorf(err, "%s: %s: longer than %zu bytes", file, key, cap - 1);
  memcpy(dst, s, strlen(s) + 1);
  return LX_OK;
}

static int read_preprocess(const cJSON *o, const char *file, lx_model_config *c, lx_error *err) {
  lx_json_at at = {file, "preprocess"};
  lx_preprocess_config *p = &c->preprocess;
  LX_REQ_INT(o, at, "image_size", 1, 1 << 14, p->image_size);
  if (lx_json_req_doubles(o, at, "mean", 3, p->mean, err)) return LX_ERR;
  if (lx_json_req_doubles(o, at, "std", 3, p->std, err)) return LX_ERR;
  for (int i = 0; i < 3; i++)
    if (!(p->std[i] > 0)) return lx_errorf(err, "%s: preprocess.std[%d] must be positive", file, i);
  LX_REQ_INT(o, at, "num_frames", 1, LX_CFG_MAX_COUNT, p->num_frames);
  static const char *const resizes[] = {"torchvision", "hf_clip", "squash"}; /* lx_resize_rule */
  int resize;
  if (lx_json_choice(o, at, "resize", resizes, 3, LX_RESIZE_TORCHVISION, &resize, err))
    return LX_ERR;
  p->resize = (lx_resize_rule)resize;
  if (lx_json_opt_bool(o, at, "pad_square", false, &p->pad_square, err)) return LX_ERR;
  const char *rule;
  if (lx_json_opt_string(o, at, "frame_rule", "segment-start", &rule, err)) return LX_ERR;
  return copy_string(file, "preprocess.frame_rule", rule, p->frame_rule, sizeof p->frame_rule, err);
}

static int read_prompt(const cJSON *o, const char *file, lx_model_config *c, lx_error *err) {
  lx_json_at at = {file, "prompt"};
  const char *tmpl;
  if (lx_json_req_string(o, at, "template", &tmpl, err)) return LX_ERR;
  if (!strstr(tmpl, "{question}"))
    return lx_errorf(err, "%s: prompt.template has no {question} placeholder", file);
  if (copy_string(file, "prompt.template", tmpl, c->prompt.template_, sizeof c->prompt.template_,
                  err))
    return LX_ERR;
  if (lx_json_opt_bool(o, at, "lowercase", true, &c->prompt.lowercase, err)) return LX_ERR;
  LX_OPT_INT(o, at, "max_input_tokens", 0, 1 << 20, 0, c->prompt.max_input_tokens);
  static const char *const rules[] = {"legacy", "nonlegacy", "fast"}; /* lx_tokenizer_rules */
  int r;
  if (lx_json_choice(o, at, "tokenizer", rules, 3, LX_TOKENIZER_LEGACY, &r, err)) return LX_ERR;
  c->prompt.tokenizer_rules = (lx_tokenizer_rules)r;
  const char *s;
  lx_prompt_config *p = &c->prompt;
  if (lx_json_opt_string(o, at, "media_marker", "", &s, err) ||
      copy_string(file, "prompt.media_marker", s, p->media_marker, sizeof p->media_marker, err))
    return LX_ERR;
  if (lx_json_opt_string(o, at, "text_only_template", "", &s, err) ||
      copy_string(file, "prompt.text_only_template", s, p->text_only_template,
                  sizeof p->text_only_template, err))
    return LX_ERR;
  if (lx_json_opt_string(o, at, "short_answer", "", &s, err) ||
      copy_string(file, "prompt.short_answer", s, p->short_answer, sizeof p->short_answer, err))
    return LX_ERR;
  if (lx_json_opt_string(o, at, "short_answer_template", "", &s, err) ||
      copy_string(file, "prompt.short_answer_template", s, p->short_answer_template,
                  sizeof p->short_answer_template, err))
    return LX_ERR;
  if (*p->short_answer_template && !strstr(p->short_answer_template, "{question}"))
    return lx_errorf(err, "%s: prompt.short_answer_template has no {question} placeholder", file);
  if (*p->short_answer_template && *p->short_answer)
    return lx_errorf(err, "%s: prompt.short_answer and prompt.short_answer_template: give one",
                     file);
  if (*p->text_only_template && !strstr(p->text_only_template, "{question}"))
    return lx_errorf(err, "%s: prompt.text_only_template has no {question} placeholder", file);
  if (*p->media_marker) {
    const char *first = strstr(p->template_, p->media_marker);
    if (!first || strstr(first + 1, p->media_marker))
      return lx_errorf(err, "%s: prompt.template must hold prompt.media_marker \"%s\" once", file,
                       p->media_marker);
    if (strstr(p->text_only_template, p->media_marker))
      return lx_errorf(err, "%s: prompt.text_only_template holds the media marker \"%s\"", file,
                       p->media_marker);
  }
  return LX_OK;
}

/* An array of at most max non-negative ids (below LX_CFG_MAX_DIM); n receives the count. */
static int read_ids(const cJSON *a, const char *file, const char *key, int max, int *ids, int *n,
                    lx_error *err) {
  const cJSON *e;
  *n = 0;
  if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1 || cJSON_GetArraySize(a) > max)
    return lx_errorf(err, "%s: decoding.%s must be an array of 1 to %d ids", file, key, max);
  cJSON_ArrayForEach(e, a) {
    if (!cJSON_IsNumber(e) || e->valuedouble != (double)(int)e->valuedouble || e->valueint < 0 ||
        e->valueint >= LX_CFG_MAX_DIM)
      return lx_errorf(err, "%s: decoding.%s holds something not a token id", file, key);
    ids[(*n)++] = e->valueint;
  }
  return LX_OK;
}

static int read_answer_rules(const cJSON *o, const char *file, lx_answer_rules *r, lx_error *err) {
  lx_json_at at = {file, "decoding"};
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "stop_ids"), *e;
  if (a && (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > LX_MAX_STOP_IDS))
    return lx_errorf(err, "%s: decoding.stop_ids must be an array of at most %d id arrays", file,
                     LX_MAX_STOP_IDS);
  cJSON_ArrayForEach(e, a) {
    if (read_ids(e, file, "stop_ids", LX_STOP_IDS_LEN, r->stop_ids[r->n_stop_ids].ids,
                 &r->stop_ids[r->n_stop_ids].n, err))
      return LX_ERR;
    r->n_stop_ids++;
  }
  if (lx_json_opt_bool(o, at, "keep_special", false, &r->keep_special, err)) return LX_ERR;
  a = cJSON_GetObjectItemCaseSensitive(o, "strip_leading_ids");
  if (a && read_ids(a, file, "strip_leading_ids", LX_MAX_STRIP_IDS, r->strip_leading,
                    &r->n_strip_leading, err))
    return LX_ERR;
  a = cJSON_GetObjectItemCaseSensitive(o, "text_rules");
  if (a && (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > LX_MAX_TEXT_RULES))
    return lx_errorf(err, "%s: decoding.text_rules must be an array of at most %d rules", file,
                     LX_MAX_TEXT_RULES);
  cJSON_ArrayForEach(e, a) {
    const cJSON *s = cJSON_GetArrayItem(e, 0), *k = cJSON_GetArrayItem(e, 1);
    if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 || !cJSON_IsString(s) ||
        !s->valuestring[0] || !cJSON_IsNumber(k) || k->valuedouble != (double)(int)k->valuedouble ||
        k->valueint < -64 || k->valueint > 64)
      return lx_errorf(
          err, "%s: decoding.text_rules holds something not a [\"separator\", index] pair", file);
    if (copy_string(file, "decoding.text_rules", s->valuestring,
                    r->text_rules[r->n_text_rules].split, sizeof r->text_rules[0].split, err))
      return LX_ERR;
    r->text_rules[r->n_text_rules++].take = k->valueint;
  }
  return LX_OK;
}

static int read_decoding(const cJSON *o, const char *file, lx_model_config *c, lx_error *err) {
  lx_json_at at = {file, "decoding"};
  lx_decoding_config *d = &c->decoding;
  const char *s;
  if (lx_json_req_string(o, at, "strategy", &s, err)) return LX_ERR;
  if (strcmp(s, "greedy") && strcmp(s, "beam") && strcmp(s, "beam-sample") && strcmp(s, "sample"))
    return lx_errorf(err,
                     "%s: decoding.strategy \"%s\" is not one of greedy, beam, beam-sample, sample",
                     file, s);
  if (copy_string(file, "decoding.strategy", s, d->strategy, sizeof d->strategy, err))
    return LX_ERR;
  LX_OPT_INT(o, at, "num_beams", 1, 1024, 1, d->num_beams);
  LX_OPT_INT(o, at, "top_k", 0, LX_CFG_MAX_DIM, 0, d->top_k);
  LX_OPT_INT(o, at, "no_repeat_ngram_size", 0, 1024, 0, d->no_repeat_ngram_size);
  LX_OPT_INT(o, at, "min_length", 0, 1 << 20, 0, d->min_length);
  LX_OPT_INT(o, at, "max_new_tokens", 1, 1 << 20, 64, d->max_new_tokens);
  LX_OPT_DOUBLE(o, at, "top_p", 0, 1, 1.0, d->top_p);
  LX_OPT_DOUBLE(o, at, "temperature", 1e-6, 1e6, 1.0, d->temperature);
  LX_OPT_DOUBLE(o, at, "length_penalty", -1e6, 1e6, 1.0, d->length_penalty);
  if (lx_json_opt_bool(o, at, "bos_seed", true, &d->bos_seed, err) ||
      lx_json_opt_bool(o, at, "evaluation", false, &d->evaluation, err))
    return LX_ERR;
  LX_OPT_INT(o, at, "stop_from", 1, 1 << 20, 1, d->stop_from);
  const cJSON *rep = cJSON_GetObjectItemCaseSensitive(o, "replace_ids");
  if (rep && !cJSON_IsArray(rep))
    return lx_errorf(err, "%s: decoding.replace_ids must be an array of [from, to] id pairs", file);
  const cJSON *pair;
  cJSON_ArrayForEach(pair, rep) {
    const cJSON *a = cJSON_GetArrayItem(pair, 0), *b = cJSON_GetArrayItem(pair, 1);
    if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 || !cJSON_IsNumber(a) ||
        !cJSON_IsNumber(b) || a->valuedouble != (double)a->valueint ||
        b->valuedouble != (double)b->valueint || a->valueint < 0 || b->valueint < 0 ||
        a->valueint >= LX_CFG_MAX_DIM || b->valueint >= LX_CFG_MAX_DIM)
      return lx_errorf(err, "%s: decoding.replace_ids holds something not a [from, to] id pair",
                       file);
    if (d->n_replace == LX_MAX_REPLACE_IDS)
      return lx_errorf(err, "%s: decoding.replace_ids: more than %d pairs", file,
                       LX_MAX_REPLACE_IDS);
    d->replace[d->n_replace][0] = a->valueint;
    d->replace[d->n_replace++][1] = b->valueint;
  }
  if (read_answer_rules(o, file, &d->answer, err)) return LX_ERR;
  LX_OPT_INT(o, at, "seed_id", -1, LX_CFG_MAX_DIM, -1, d->seed_id);
  LX_OPT_DOUBLE(o, at, "repetition_penalty", 1e-6, 1e6, 1.0, d->repetition_penalty);
  const cJSON *stops = cJSON_GetObjectItemCaseSensitive(o, "stop_strings"), *e;
  if (stops && !cJSON_IsArray(stops))
    return lx_errorf(err, "%s: decoding.stop_strings must be an array of strings", file);
  cJSON_ArrayForEach(e, stops) {
    if (!cJSON_IsString(e) || !e->valuestring[0])
      return lx_errorf(err, "%s: decoding.stop_strings holds something not a non-empty string",
                       file);
    if (d->n_stop == LX_MAX_STOP_STRINGS)
      return lx_errorf(err, "%s: decoding.stop_strings: more than %d", file, LX_MAX_STOP_STRINGS);
    if (copy_string(file, "decoding.stop_strings", e->valuestring, d->stop[d->n_stop],
                    sizeof d->stop[0], err))
      return LX_ERR;
    d->n_stop++;
  }
  const cJSON *sa = cJSON_GetObjectItemCaseSensitive(o, "short_answer");
  if (sa && !cJSON_IsObject(sa))
    return lx_errorf(err, "%s: decoding.short_answer must be an object", file);
  if (sa) {
    lx_json_at sat = {file, "decoding.short_answer"};
    LX_OPT_INT(sa, sat, "max_new_tokens", 1, 1 << 20, 0, d->short_max_new_tokens);
    d->short_length_penalty_set = cJSON_GetObjectItemCaseSensitive(sa, "length_penalty") != NULL;
    LX_OPT_DOUBLE(sa, sat, "length_penalty", -1e6, 1e6, 1.0, d->short_length_penalty);
  }
  const cJSON *by = cJSON_GetObjectItemCaseSensitive(o, "max_new_tokens_by_task");
  if (by && !cJSON_IsObject(by))
    return lx_errorf(err, "%s: decoding.max_new_tokens_by_task must be an object", file);
  cJSON_ArrayForEach(e, by) {
    if (d->n_by_task == LX_DECODING_MAX_TASKS)
      return lx_errorf(err, "%s: decoding.max_new_tokens_by_task: more than %d tasks", file,
                       LX_DECODING_MAX_TASKS);
    if (!cJSON_IsNumber(e) || e->valuedouble != (double)(int)e->valuedouble || e->valueint < 1 ||
        e->valueint > (1 << 20))
      return lx_errorf(err, "%s: decoding.max_new_tokens_by_task.%s must be an integer in [1, %d]",
                       file, e->string, 1 << 20);
    if (copy_string(file, "decoding.max_new_tokens_by_task", e->string,
                    d->by_task[d->n_by_task].task, sizeof d->by_task[0].task, err))
      return LX_ERR;
    d->by_task[d->n_by_task++].max_new_tokens = e->valueint;
  }
  return LX_OK;
}

int lx_model_config_from_json(const cJSON *root, const char *file, lx_model_config *c,
                              lx_error *err) {
  memset(c, 0, sizeof *c);
  if (!cJSON_IsObject(root)) return lx_errorf(err, "%s: the config is not a JSON object", file);
  lx_json_at at = {file, ""};
  const char *fmt, *family;
  long ver;
  if (lx_json_req_string(root, at, "format", &fmt, err)) return LX_ERR;
  if (strcmp(fmt, LX_CONFIG_FORMAT) != 0)
    return lx_errorf(err,
                     "%s: format is \"%s\", expected \"%s\" (convert a release with "
                     "tools/convert_lynx.py)",
                     file, fmt, LX_CONFIG_FORMAT);
  if (lx_json_req_int(root, at, "format_version", 1, 1000, &ver, err)) return LX_ERR;
  if (ver != LX_CONFIG_FORMAT_VERSION)
    return lx_errorf(err,
                     "%s: format_version %ld is not supported (this lynxeval reads version %d)",
                     file, ver, LX_CONFIG_FORMAT_VERSION);
  if (lx_json_opt_string(root, at, "family", LX_CONFIG_DEFAULT_FAMILY, &family, err) ||
      copy_string(file, "family", family, c->family, sizeof c->family, err))
    return LX_ERR;
  const cJSON *o;
  if (lx_json_req_object(root, at, "preprocess", &o, err) || read_preprocess(o, file, c, err))
    return LX_ERR;
  if (lx_json_req_object(root, at, "prompt", &o, err) || read_prompt(o, file, c, err))
    return LX_ERR;
  if (lx_json_req_object(root, at, "decoding", &o, err) || read_decoding(o, file, c, err))
    return LX_ERR;
  return LX_OK;
}

int lx_model_config_load(const char *path, cJSON **root, lx_model_config *cfg, lx_error *err) {
  memset(cfg, 0, sizeof *cfg);
  *root = NULL;
  char *text;
  size_t len;
  if (lx_read_file(path, LX_CONFIG_MAX_BYTES, &text, &len, err)) return LX_ERR;
  if (lx_json_check_text(path, text, len, err)) {
    free(text);
    return LX_ERR;
  }
  const char *end = NULL;
  cJSON *r = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  int rc;
  if (!r || !cJSON_IsObject(r)) {
    size_t off = end ? (size_t)(end - text) : 0;
    if (!r && cJSON_GetErrorPtr()) off = (size_t)(cJSON_GetErrorPtr() - text);
    rc = lx_errorf(err, "%s: not a valid JSON object (error near byte %zu)", path, off);
  } else if (lx_json_check_unique_keys(path, r, err) == LX_OK) {
    rc = lx_model_config_from_json(r, path, cfg, err);
  } else {
    rc = LX_ERR;
  }
  free(text);
  if (rc == LX_OK)
    *root = r;
  else
    cJSON_Delete(r);
  return rc;
}
