#include "runs/runner.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/fileio.h"
#include "common/rng.h"
#include "media/media.h"

uint64_t lx_item_seed(uint64_t run_seed, const char *task, const char *item_id) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a over "task/id" */
  for (const char *p = task; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
  h = (h ^ '/') * 1099511628211ull;
  for (const char *p = item_id; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
  return lx_mix64(run_seed ^ h);
}

/* One item's model input, owned by the batch. */
typedef struct slot {
  size_t item;
  lx_media media;
  float *latents; /* [rows, media_width] or NULL */
  int rows;       /* the latents' (lx_model_media_rows) */
  lx_ints ids;
  int dropped;
} slot;

static void slot_free(slot *s) {
  lx_media_free(&s->media);
  free(s->latents);
  lx_ints_free(&s->ids);
  memset(s, 0, sizeof *s);
}

static int prepare(const lx_model *m, const lx_item *it, const lx_runner_options *opt,
                   uint64_t seed, slot *s, lx_error *err) {
  const lx_model_config *cfg = &m->cfg;
  int rc = LX_OK;
  /* the model's conversation asks short-answer tasks for one word or phrase its own way: a line
   * after the question (LLaVA) or a template of their own (InstructBLIP) */
  const char *line = opt->tmpl->text ? NULL : lx_task_answer_line(opt->task, m->info.family);
  const bool short_answer = !opt->tmpl->text && !line && opt->task->short_answer;
  const char *tmpl = opt->tmpl->text ? opt->tmpl->text
                     : short_answer && cfg->prompt.short_answer_template[0]
                         ? cfg->prompt.short_answer_template
                         : NULL;
  const char *suffix = line ? line : short_answer ? cfg->prompt.short_answer : "";
  lx_strbuf question = {0}, instruction = {0};
  lx_strbuf_printf(&question, "%s%s", it->question, suffix);
  if (it->media && m->info.media_reads_instruction &&
      lx_model_prompt_text(m, tmpl, lx_strbuf_str(&question), true, &instruction, err)) {
    lx_error inner = *err;
    rc = lx_errorf(err, "%s: %s", it->source, inner.msg);
  }
  if (rc == LX_OK && it->media) {
    char *path = lx_path_join(opt->data_dir, it->media);
    if (it->video)
      rc = lx_media_load_video(path, &cfg->preprocess, opt->frame_rule, seed, opt->media_limits,
                               &s->media, err);
    else if (it->media_length)
      rc = lx_media_load_embedded_image(path, it->media_offset, it->media_length, &cfg->preprocess,
                                        opt->media_limits, &s->media, err);
    else
      rc = lx_media_load_image(path, &cfg->preprocess, opt->media_limits, &s->media, err);
    free(path);
    if (rc) {
      lx_error inner = *err;
      rc = lx_errorf(err, "%s (item %s, %s)", inner.msg, it->id, it->source);
    } else {
      s->rows = lx_model_media_rows(m, s->media.frames);
      s->latents = lx_xcalloc(lx_model_media_floats(m, s->media.frames), sizeof(float));
      rc = lx_model_encode(m, s->media.pixels, s->media.frames,
                           m->info.media_reads_instruction ? lx_strbuf_str(&instruction) : NULL,
                           s->latents, err);
    }
  }
  if (rc == LX_OK) {
    rc = lx_model_prompt_ids(m, tmpl, lx_strbuf_str(&question), it->media != NULL, &s->ids,
                             &s->dropped, err);
    if (rc) {
      lx_error inner = *err;
      rc = lx_errorf(err, "%s: %s", it->source, inner.msg);
    }
  }
  lx_strbuf_free(&question);
  lx_strbuf_free(&instruction);
  return rc;
}

static cJSON *prediction_row(const lx_item *it, const slot *s, const lx_generation *g) {
  cJSON *r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "id", it->id);
  cJSON_AddStringToObject(r, "answer", lx_strbuf_str(&g->text));
  /* what the item asked and expected, so the run directory alone can be judged and reported */
  cJSON_AddStringToObject(r, "question", it->question ? it->question : "");
  cJSON *refs = cJSON_AddArrayToObject(r, "references");
  for (size_t k = 0; k < it->n_refs; k++)
    cJSON_AddItemToArray(refs, cJSON_CreateString(it->refs[k]));
  if (it->category) cJSON_AddStringToObject(r, "category", it->category);
  if (it->subcategory) cJSON_AddStringToObject(r, "subcategory", it->subcategory);
  if (it->context) cJSON_AddStringToObject(r, "context", it->context);
  if (it->media) cJSON_AddStringToObject(r, "media", it->media);
  if (it->media_length) { /* the image's base64 text inside that file */
    cJSON_AddNumberToObject(r, "media_offset", (double)it->media_offset);
    cJSON_AddNumberToObject(r, "media_length", (double)it->media_length);
  }
  cJSON *tokens = cJSON_AddArrayToObject(r, "tokens");
  for (int k = 0; k < g->tokens.len; k++)
    cJSON_AddItemToArray(tokens, cJSON_CreateNumber(g->tokens.v[k]));
  cJSON_AddNumberToObject(r, "score", g->score);
  cJSON_AddBoolToObject(r, "ended_with_eos", g->ended_with_eos);
  cJSON_AddNumberToObject(r, "prompt_ids_dropped", s->dropped);
  if (it->video) {
    cJSON *frames = cJSON_AddArrayToObject(r, "frames");
    for (int k = 0; k < s->media.frames; k++)
      cJSON_AddItemToArray(frames, cJSON_CreateNumber(s->media.frame_ids[k]));
    cJSON_AddNumberToObject(r, "source_frames", s->media.source_frames);
  }
  return r;
}

/* The ids of done, sorted for lookup (they are unique: each log refuses a repeated id, and the
 * logs' union is taken once per id). */
static int index_done(const lx_predictions *done, lx_items *ids, lx_error *err) {
  for (size_t i = 0; i < done->n; i++) {
    lx_item *d = lx_items_push(ids);
    d->id = lx_xstrdup(done->v[i].id);
    d->source = lx_xstrdup(done->v[i].source ? done->v[i].source : "");
  }
  return lx_items_index(ids, "prediction for id", err);
}

static bool owns_block(const lx_runner_options *opt, size_t first) {
  size_t batch = opt->batch > 0 ? (size_t)opt->batch : 1;
  return !opt->shard || lx_shard_owns(opt->shard, opt->first_block + first / batch);
}

void lx_run_share(const lx_items *items, size_t n, const lx_predictions *done,
                  const lx_runner_options *opt, size_t *mine, size_t *answered) {
  lx_items ids = {0};
  lx_error ignored;
  bool indexed = index_done(done, &ids, &ignored) == LX_OK;
  size_t batch = opt->batch > 0 ? (size_t)opt->batch : 1;
  *mine = *answered = 0;
  for (size_t i = 0; i < n && i < items->n; i++) {
    if (!owns_block(opt, i - i % batch)) continue;
    (*mine)++;
    if (indexed && lx_items_find(&ids, items->v[i].id) >= 0) (*answered)++;
  }
  lx_items_free(&ids);
}

/* For tests only: LYNXEVAL_TEST_SLEEP_MS=M makes every item take M ms longer (as if the model
 * were slower), so that tests can kill a run mid-way or make one shard slower than another. */
static void test_delay(int items) {
  const char *v = getenv("LYNXEVAL_TEST_SLEEP_MS");
  long ms = v ? strtol(v, NULL, 10) : 0;
  if (ms <= 0 || ms > 60000) return;
  long total = ms * items;
  struct timespec ts = {total / 1000, (total % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* A block's model inputs and answers, reused from block to block. */
typedef struct block {
  int cap, filled;
  slot *slots;
  lx_prompt *prompts;
  uint64_t *seeds;
  lx_generation *gens;
} block;

static void block_init(block *b, int batch) {
  b->cap = batch;
  b->filled = 0;
  b->slots = lx_xcalloc((size_t)batch, sizeof *b->slots);
  b->prompts = lx_xcalloc((size_t)batch, sizeof *b->prompts);
  b->seeds = lx_xcalloc((size_t)batch, sizeof *b->seeds);
  b->gens = lx_xcalloc((size_t)batch, sizeof *b->gens);
}

static void block_clear(block *b) {
  for (int k = 0; k < b->filled; k++) {
    lx_generation_free(&b->gens[k]);
    slot_free(&b->slots[k]);
  }
  b->filled = 0;
}

static void block_free(block *b) {
  block_clear(b);
  free(b->slots);
  free(b->prompts);
  free(b->seeds);
  free(b->gens);
}

/* Decodes the block of items [first, first + batch) (fewer at the dataset's end) into b. */
static int decode_block(const lx_model *m, const lx_items *items, size_t first,
                        const lx_runner_options *opt, block *b, lx_error *err) {
  size_t last = first + (size_t)b->cap < items->n ? first + (size_t)b->cap : items->n;
  int rc = LX_OK;
  for (size_t i = first; rc == LX_OK && i < last; i++) {
    slot *s = &b->slots[b->filled];
    s->item = i;
    b->seeds[b->filled] = lx_item_seed(opt->seed, opt->task->name, items->v[i].id);
    rc = prepare(m, &items->v[i], opt, b->seeds[b->filled], s, err);
    b->prompts[b->filled] = lx_model_prompt(m, s->latents, s->rows, s->ids.v, s->ids.len);
    b->filled++;
  }
  if (rc == LX_OK) rc = lx_generate(m, b->prompts, b->filled, opt->decode, b->seeds, b->gens, err);
  if (rc == LX_OK) test_delay(b->filled);
  return rc;
}

int lx_run_block(const lx_model *m, const lx_items *items, size_t n, size_t first,
                 const lx_runner_options *opt, lx_strbuf *rows, lx_error *err) {
  block b;
  block_init(&b, opt->batch > 0 ? opt->batch : 1);
  int rc = decode_block(m, items, first, opt, &b, err);
  for (int k = 0; rc == LX_OK && k < b.filled; k++) {
    if (b.slots[k].item >= n) continue;
    cJSON *row = prediction_row(&items->v[b.slots[k].item], &b.slots[k], &b.gens[k]);
    char *text = cJSON_PrintUnformatted(row);
    lx_strbuf_puts(rows, text);
    lx_strbuf_putc(rows, '\n');
    free(text);
    cJSON_Delete(row);
  }
  block_free(&b);
  return rc;
}

int lx_run_items(const lx_model *m, const lx_items *items, size_t n, const lx_predictions *done,
                 const lx_runner_options *opt, lx_prediction_log *log, lx_progress *progress,
                 lx_error *err) {
  /* which items are done: ids of the logs, looked up in a sorted copy */
  lx_items done_ids = {0};
  int rc = index_done(done, &done_ids, err);
  size_t finished = progress->done; /* the caller started it at this share's answered items */
  int batch = opt->batch > 0 ? opt->batch : 1;
  block b;
  block_init(&b, batch);
  /* Blocks of `batch` items by position, the same in every session: an item is always decoded
   * with the same neighbours, so its floating-point sums, and its answer, never depend on
   * where an earlier session stopped or on --limit. */
  for (size_t first = 0; rc == LX_OK && first < n; first += (size_t)batch) {
    size_t last = first + (size_t)batch < items->n ? first + (size_t)batch : items->n;
    if (!owns_block(opt, first)) continue; /* another shard's */
    bool missing = false;
    for (size_t i = first; i < last && i < n; i++)
      missing |= lx_items_find(&done_ids, items->v[i].id) < 0;
    if (!missing) continue;
    rc = decode_block(m, items, first, opt, &b, err);
    for (int k = 0; rc == LX_OK && k < b.filled; k++) {
      const lx_item *it = &items->v[b.slots[k].item];
      if (b.slots[k].item >= n || lx_items_find(&done_ids, it->id) >= 0) continue;
      cJSON *row = prediction_row(it, &b.slots[k], &b.gens[k]);
      rc = lx_prediction_log_append(log, row, err);
      cJSON_Delete(row);
      if (rc == LX_OK) lx_progress_update(progress, ++finished);
    }
    block_clear(&b);
  }
  block_free(&b);
  lx_items_free(&done_ids);
  return rc;
}
