#include "runs/manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/hash_cache.h"
#include "common/jsonutil.h"
#include "common/sha256.h"
#include "common/strbuf.h"
#include "model/backend.h"
#include "model/cpu.h"
#include "model/kernel_choice.h"
#include "model/model.h"
#include "model/threads.h"
#include "runs/run_dir.h"

#define RUN_FORMAT         "lynxeval-run-1"
#define MAX_CONFIG_BYTES   (1u << 20)
#define MAX_MANIFEST_BYTES (64u << 20)

/* The file's sha256 under key; large files through the hash cache (hash_cache.h). */
static int add_file_hash(cJSON *obj, const char *key, const char *path, const lx_run_settings *s,
                         lx_error *err) {
  char hex[65];
  lx_hash_source how;
  if (lx_sha256_file_cached(path, LX_HASH_CACHE_MIN_BYTES, s->rehash, hex, &how, err))
    return LX_ERR;
  if (how == LX_HASH_STALE && s->hash_notes)
    lx_strbuf_printf(s->hash_notes,
                     "warning: the hash cache held a wrong sha256 for %s (the file changed in "
                     "place without a new modification time); it is corrected\n",
                     path);
  cJSON_AddStringToObject(obj, key, hex);
  return LX_OK;
}

static cJSON *decoding_json(const lx_decode_params *p) {
  cJSON *d = cJSON_CreateObject();
  cJSON_AddStringToObject(d, "strategy", lx_decode_strategy_name(p->strategy));
  cJSON_AddNumberToObject(d, "num_beams", p->num_beams);
  cJSON_AddNumberToObject(d, "max_new_tokens", p->max_new_tokens);
  cJSON_AddNumberToObject(d, "min_length", p->min_length);
  cJSON_AddNumberToObject(d, "no_repeat_ngram_size", p->no_repeat_ngram_size);
  cJSON_AddNumberToObject(d, "top_k", p->top_k);
  cJSON_AddNumberToObject(d, "top_p", p->top_p);
  cJSON_AddNumberToObject(d, "temperature", p->temperature);
  cJSON_AddNumberToObject(d, "length_penalty", p->length_penalty);
  cJSON_AddBoolToObject(d, "early_stopping", p->early_stopping);
  cJSON_AddBoolToObject(d, "bos_seed", p->seed_bos);
  /* Written only when in use, so that runs made before they existed keep their fingerprint. */
  if (p->seed_bos && p->seed_id_set) cJSON_AddNumberToObject(d, "seed_id", p->seed_id);
  if (p->repetition_penalty > 0 && p->repetition_penalty != 1.0)
    cJSON_AddNumberToObject(d, "repetition_penalty", p->repetition_penalty);
  const lx_answer_rules *a = &p->answer;
  if (a->n_stop_ids) {
    cJSON *ids = cJSON_AddArrayToObject(d, "stop_ids");
    for (int i = 0; i < a->n_stop_ids; i++)
      cJSON_AddItemToArray(ids, cJSON_CreateIntArray(a->stop_ids[i].ids, a->stop_ids[i].n));
  }
  if (a->keep_special) cJSON_AddBoolToObject(d, "keep_special", true);
  if (a->n_strip_leading)
    cJSON_AddItemToObject(d, "strip_leading_ids",
                          cJSON_CreateIntArray(a->strip_leading, a->n_strip_leading));
  if (a->n_text_rules) {
    cJSON *rules = cJSON_AddArrayToObject(d, "text_rules");
    for (int i = 0; i < a->n_text_rules; i++) {
      cJSON *r = cJSON_CreateArray();
      cJSON_AddItemToArray(r, cJSON_CreateString(a->text_rules[i].split));
      cJSON_AddItemToArray(r, cJSON_CreateNumber(a->text_rules[i].take));
      cJSON_AddItemToArray(rules, r);
    }
  }
  if (p->n_replace) {
    cJSON *rep = cJSON_AddArrayToObject(d, "replace_ids");
    for (int i = 0; i < p->n_replace; i++)
      cJSON_AddItemToArray(rep, cJSON_CreateIntArray(p->replace[i], 2));
  }
  if (p->n_stop) {
    cJSON *stops = cJSON_AddArrayToObject(d, "stop_strings");
    for (int i = 0; i < p->n_stop; i++) cJSON_AddItemToArray(stops, cJSON_CreateString(p->stop[i]));
    cJSON_AddNumberToObject(d, "stop_from", p->stop_from);
  }
  return d;
}

int lx_run_fingerprint(const lx_run_settings *s, cJSON **out, lx_error *err) {
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "format", RUN_FORMAT);
  cJSON *task = cJSON_AddObjectToObject(f, "task");
  cJSON_AddStringToObject(task, "name", s->task->name);
  cJSON_AddNumberToObject(task, "version", s->task->version);
  cJSON_AddStringToObject(task, "scorer", lx_scorer_name(s->task->scorer));
  cJSON_AddStringToObject(task, "dataset", s->dataset->name);
  cJSON *files = cJSON_AddArrayToObject(task, "annotations");
  int rc = LX_OK;
  for (int k = 0; k < s->dataset->n_files && rc == LX_OK; k++) {
    const char *rel = s->dataset->files[k].path;
    if (rel[strlen(rel) - 1] == '/') continue; /* a folder (MME): its files are read as items */
    cJSON *fj = cJSON_CreateObject();
    cJSON_AddStringToObject(fj, "path", rel);
    char *p = lx_path_join(s->data_dir, rel);
    rc = add_file_hash(fj, "sha256", p, s, err);
    free(p);
    cJSON_AddItemToArray(files, fj);
  }
  cJSON *model = cJSON_AddObjectToObject(f, "model");
  char *w = lx_path_join(s->model_dir, "model.safetensors");
  if (rc == LX_OK) rc = add_file_hash(model, "safetensors_sha256", w, s, err);
  free(w);
  char *tok = lx_model_tokenizer_file(s->model_dir); /* the file the model loaded */
  if (rc == LX_OK) rc = add_file_hash(model, "tokenizer_sha256", tok, s, err);
  free(tok);
  /* written only when there are some, so that other models' fingerprints stay as they were */
  cJSON *extra =
      s->model_files && s->model_files[0] ? cJSON_AddObjectToObject(model, "files_sha256") : NULL;
  for (int i = 0; extra && s->model_files[i] && rc == LX_OK; i++) {
    char *path = lx_path_join(s->model_dir, s->model_files[i]);
    rc = add_file_hash(extra, s->model_files[i], path, s, err);
    free(path);
  }
  cJSON *config = NULL;
  char *cfg = lx_path_join(s->model_dir, "config.json");
  if (rc == LX_OK) rc = lx_json_read_file(cfg, MAX_CONFIG_BYTES, &config, NULL, err);
  free(cfg);
  if (config) cJSON_AddItemToObject(model, "config", config);
  cJSON *tmpl = cJSON_AddObjectToObject(f, "prompt_template");
  cJSON_AddStringToObject(tmpl, "name", s->tmpl->name);
  if (s->tmpl->text)
    cJSON_AddStringToObject(tmpl, "text", s->tmpl->text);
  else /* the model's own: its config (recorded above) holds the text */
    cJSON_AddStringToObject(tmpl, "text", "the model's config.json prompt");
  cJSON_AddBoolToObject(tmpl, "short_answer",
                        s->task->short_answer && !s->tmpl->text && !s->answer_line);
  /* written only when there is one, so that other tasks' fingerprints stay as they were */
  if (s->answer_line) cJSON_AddStringToObject(tmpl, "answer_line", s->answer_line);
  if (s->task->instruction) cJSON_AddStringToObject(tmpl, "question", s->task->instruction);
  cJSON *dec = decoding_json(s->decode);
  cJSON_AddBoolToObject(dec, "model_default", s->decoding_default);
  cJSON_AddItemToObject(f, "decoding", dec);
  cJSON_AddStringToObject(f, "frame_rule", s->frame_rule);
  cJSON_AddBoolToObject(f, "frame_rule_model_default", s->frame_rule_default);
  char seed[32];
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)s->seed);
  cJSON_AddStringToObject(f, "seed", seed);
  cJSON *numerics = cJSON_AddObjectToObject(f, "numerics");
  cJSON_AddNumberToObject(numerics, "batch", s->batch);
  cJSON_AddNumberToObject(numerics, "threads", s->backend->threads);
  /* the matrix-product precision and the kernel family dispatched change the arithmetic too */
  cJSON_AddStringToObject(numerics, "precision", lx_matmul_precision_name(s->backend->precision));
  cJSON_AddStringToObject(numerics, "kernels", lx_cpu_kernel_family());
  /* the path each product class takes (kernel_choice.h): another path sums in another order */
  char products[96];
  cJSON_AddStringToObject(numerics, "products",
                          lx_kernel_choice_describe(lx_kernel_choice_get(), s->backend->precision,
                                                    products, (int)sizeof products));
  if (rc) {
    cJSON_Delete(f);
    return rc;
  }
  *out = f;
  return LX_OK;
}

int lx_run_claim(const char *task_dir, const cJSON *fingerprint, lx_error *err) {
  char *path = lx_path_join(task_dir, LX_RUN_FINGERPRINT);
  /* the first process to claim the directory writes its fingerprint (exclusively: shards that
   * start together cannot both win); every later one compares with it */
  char *text = cJSON_Print(fingerprint);
  lx_strbuf b = {0};
  lx_strbuf_puts(&b, text);
  lx_strbuf_putc(&b, '\n');
  free(text);
  bool created = false;
  int rc = lx_write_file_exclusive(path, lx_strbuf_str(&b), b.len, &created, err);
  lx_strbuf_free(&b);
  if (rc == LX_OK && !created) {
    cJSON *old = NULL;
    rc = lx_json_read_file(path, MAX_MANIFEST_BYTES, &old, NULL, err);
    if (rc == LX_OK && !cJSON_Compare(old, fingerprint, 1)) {
      char diff[700];
      lx_json_first_difference(fingerprint, old, "in this run's settings", "in the directory's run",
                               diff, sizeof diff);
      rc = lx_errorf(err,
                     "%s holds a run made with other settings, so it cannot be resumed: %s. "
                     "Use another --out directory.",
                     task_dir, diff);
    }
    cJSON_Delete(old);
  }
  free(path);
  return rc;
}

cJSON *lx_machine_info(void) {
  cJSON *m = cJSON_CreateObject();
  struct utsname u;
  if (uname(&u) == 0) {
    cJSON_AddStringToObject(m, "hostname", u.nodename);
    char os[400];
    snprintf(os, sizeof os, "%s %s %s", u.sysname, u.release, u.machine);
    cJSON_AddStringToObject(m, "os", os);
  }
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (f) {
    char line[512];
    while (fgets(line, sizeof line, f)) {
      if (strncmp(line, "model name", 10) == 0) {
        char *colon = strchr(line, ':');
        if (colon) {
          char *v = colon + 1;
          while (*v == ' ' || *v == '\t') v++;
          v[strcspn(v, "\n")] = '\0';
          cJSON_AddStringToObject(m, "cpu", v);
        }
        break;
      }
    }
    fclose(f);
  }
  cJSON_AddNumberToObject(m, "cores", (double)sysconf(_SC_NPROCESSORS_ONLN));
  cJSON_AddNumberToObject(m, "cores_usable", (double)lx_cpus_usable()); /* its CPU affinity */
  cJSON_AddNumberToObject(m, "memory_bytes",
                          (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE));
  return m;
}

int lx_manifest_read(const char *run_dir, cJSON **out, lx_error *err) {
  char *path = lx_run_file(run_dir, NULL, LX_RUN_MANIFEST);
  int rc = LX_OK;
  if (access(path, F_OK) != 0)
    *out = cJSON_CreateObject();
  else
    rc = lx_json_read_file(path, MAX_MANIFEST_BYTES, out, NULL, err);
  if (rc == LX_OK && !cJSON_IsObject(*out)) {
    cJSON_Delete(*out);
    rc = lx_errorf(err, "%s: not a lynxeval manifest", path);
  }
  free(path);
  return rc;
}

int lx_manifest_write(const char *run_dir, const cJSON *manifest, lx_error *err) {
  char *path = lx_run_file(run_dir, NULL, LX_RUN_MANIFEST);
  int rc = lx_json_write_atomic(path, manifest, err);
  free(path);
  return rc;
}
