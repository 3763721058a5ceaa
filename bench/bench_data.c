#include "bench/bench_data.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/timing.h"
#include "common/clock.h"
#include "common/fileio.h"
#include "common/rng.h"
#include "common/strbuf.h"
#include "runs/prediction_log.h"
#include "tasks/coco_caption.h"
#include "tasks/items.h"
#include "tasks/scoring.h"
#include "tasks/vqav2.h"

/* The base sizes: scale 16 is the real size of the val2014 releases. */
#define CAPTION_BASE_IMAGES 2532 /* x 16 = 40,512 (captions_val2014.json: 40,504) */
#define CAPTIONS_PER_IMAGE  5
#define VQA_BASE_QUESTIONS  13397 /* x 16 = 214,352 (v2 val2014: 214,354) */
#define VQA_ANSWERS         10
#define MAX_REPORT_BYTES    (1u << 20)

/* ---- seeded text ---------------------------------------------------------------------------- */

static size_t pick(uint64_t *s, size_t n) {
  return (size_t)(lx_rng_next(s) % n);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Words of COCO captions, most frequent first, so that low indices are drawn more often. */
static const char *const WORDS[] = {
    "a",          "on",       "of",         "the",          "in",      "with",       "and",
    "is",         "man",      "to",         "sitting",      "an",      "two",        "at",
    "people",     "standing", "next",       "white",        "woman",   "top",        "holding",
    "down",       "street",   "table",      "large",        "up",      "field",      "front",
    "tennis",     "group",    "riding",     "near",         "plate",   "small",      "dog",
    "train",      "red",      "cat",        "playing",      "water",   "young",      "black",
    "by",         "room",     "baseball",   "sign",         "bus",     "two",        "pizza",
    "blue",       "food",     "kitchen",    "grass",        "green",   "bathroom",   "building",
    "snow",       "other",    "parked",     "toilet",       "giraffe", "ball",       "looking",
    "it",         "side",     "road",       "city",         "each",    "laying",     "bed",
    "skateboard", "frisbee",  "board",      "couple",       "wooden",  "several",    "area",
    "elephant",   "horse",    "walking",    "beach",        "over",    "little",     "boy",
    "truck",      "sink",     "motorcycle", "girl",         "while",   "background", "window",
    "surfboard",  "bowl",     "clock",      "his",          "tall",    "umbrella",   "air",
    "eating",     "bench",    "wave",       "traffic",      "ocean",   "tree",       "sandwich",
    "cake",       "yellow",   "zebras",     "computer",     "living",  "flying",     "child",
    "track",      "player",   "bike",       "refrigerator", "laptop",  "orange",     "herd",
    "out",        "phone",    "stop",       "brown",        "stands",  "counter",    "kite",
    "light",      "lot",      "couch",      "vase",         "bear",    "sheep",      "cows",
    "decker",     "double",   "shirt",      "hydrant",      "fire",    "desk",       "glass",
    "photo",      "picture",  "old",        "into",         "behind",  "mirror",     "open",
};

static void put_caption(uint64_t *s, lx_strbuf *b) {
  size_t n = 8 + pick(s, 9); /* 8-16 words: COCO's captions average about 10.5 */
  for (size_t i = 0; i < n; i++) {
    /* a skewed draw: the square of a uniform index favours the frequent words */
    size_t r = pick(s, COUNT(WORDS));
    const char *w = WORDS[(r * r) / COUNT(WORDS)];
    if (i) lx_strbuf_putc(b, ' ');
    if (i == 0) {
      lx_strbuf_putc(b, (char)(w[0] - 'a' + 'A'));
      lx_strbuf_puts(b, w + 1);
    } else {
      lx_strbuf_puts(b, w);
    }
  }
  if (pick(s, 10) < 7) lx_strbuf_putc(b, '.');
}

/* A VQAv2-like question: its type (the first words, as VQA's question types are), its answer
 * type, and the answer most annotators give. */
typedef struct question {
  char text[160], type[48], answer[32];
  const char *answer_type;
} question;

static void make_question(uint64_t *s, question *q) {
  const char *obj = WORDS[8 + pick(s, COUNT(WORDS) - 8)];
  const char *other = WORDS[8 + pick(s, COUNT(WORDS) - 8)];
  static const char *const COLORS[] = {"white", "red", "black", "blue", "green", "brown", "yellow"};
  switch (pick(s, 5)) {
    case 0:
      snprintf(q->text, sizeof q->text, "Is the %s %s the %s?", obj, pick(s, 2) ? "near" : "on",
               other);
      snprintf(q->type, sizeof q->type, "is the");
      snprintf(q->answer, sizeof q->answer, "%s", pick(s, 2) ? "yes" : "no");
      q->answer_type = "yes/no";
      break;
    case 1:
      snprintf(q->text, sizeof q->text, "How many %ss are in the picture?", obj);
      snprintf(q->type, sizeof q->type, "how many");
      snprintf(q->answer, sizeof q->answer, "%zu", pick(s, 6));
      q->answer_type = "number";
      break;
    case 2:
      snprintf(q->text, sizeof q->text, "What color is the %s?", obj);
      snprintf(q->type, sizeof q->type, "what color is the");
      snprintf(q->answer, sizeof q->answer, "%s", COLORS[pick(s, COUNT(COLORS))]);
      q->answer_type = "other";
      break;
    case 3:
      snprintf(q->text, sizeof q->text, "What is the %s %s the %s doing?", obj, "next to", other);
      snprintf(q->type, sizeof q->type, "what is the");
      snprintf(q->answer, sizeof q->answer, "%s", pick(s, 2) ? "sitting" : "eating");
      q->answer_type = "other";
      break;
    default:
      snprintf(q->text, sizeof q->text, "Does this %s have a %s?", obj, other);
      snprintf(q->type, sizeof q->type, "does this");
      snprintf(q->answer, sizeof q->answer, "%s", pick(s, 2) ? "yes" : "no");
      q->answer_type = "yes/no";
      break;
  }
}

/* One annotator's answer: the common one 70% of the time. */
static const char *annotator_answer(uint64_t *s, const question *q) {
  static const char *const OTHERS[] = {"yes", "no", "2", "white", "sitting", "kite", "nothing"};
  return pick(s, 10) < 7 ? q->answer : OTHERS[pick(s, COUNT(OTHERS))];
}

/* ---- the files ---------------------------------------------------------------------------- */

typedef struct data_files {
  char *annotations, *questions, *results, *predictions;
  size_t entries;     /* images or questions */
  size_t sub_entries; /* captions or answers */
  size_t bytes;       /* all files together */
} data_files;

static int write_out(const char *path, lx_strbuf *b, size_t *bytes, lx_error *err) {
  *bytes += b->len;
  int rc = lx_write_file_atomic(path, lx_strbuf_str(b), b->len, err);
  lx_strbuf_clear(b);
  return rc;
}

static int write_caption_set(const char *dir, int scale, uint64_t seed, data_files *f,
                             lx_error *err) {
  uint64_t s = seed ^ 0xC0C0ull;
  size_t n = (size_t)CAPTION_BASE_IMAGES * (size_t)scale;
  lx_strbuf a = {0}, r = {0};
  lx_strbuf_puts(&a,
                 "{\"info\": {\"description\": \"generated, COCO-shaped\", \"year\": 2014}, "
                 "\"images\": [");
  for (size_t i = 0; i < n; i++)
    lx_strbuf_printf(&a,
                     "%s{\"license\": 3, \"file_name\": \"COCO_val2014_%012zu.jpg\", \"coco_url\": "
                     "\"http://images.cocodataset.org/val2014/COCO_val2014_%012zu.jpg\", "
                     "\"height\": 480, \"width\": 640, \"date_captured\": \"2013-11-14 16:28:13\", "
                     "\"id\": %zu}",
                     i ? ", " : "", 100000 + i * 7, 100000 + i * 7, 100000 + i * 7);
  lx_strbuf_puts(&a,
                 "], \"licenses\": [{\"url\": \"http://creativecommons.org/licenses/by/2.0/\", "
                 "\"id\": 3, \"name\": \"Attribution License\"}], \"annotations\": [");
  size_t id = 1;
  for (size_t k = 0; k < CAPTIONS_PER_IMAGE; k++)
    for (size_t i = 0; i < n; i++) {
      lx_strbuf_printf(&a, "%s{\"image_id\": %zu, \"id\": %zu, \"caption\": \"", id > 1 ? ", " : "",
                       100000 + i * 7, id);
      put_caption(&s, &a);
      lx_strbuf_puts(&a, "\"}");
      id++;
    }
  lx_strbuf_puts(&a, "]}");
  lx_strbuf_putc(&r, '[');
  for (size_t i = 0; i < n; i++) {
    lx_strbuf_printf(&r, "%s{\"image_id\": %zu, \"caption\": \"", i ? ", " : "", 100000 + i * 7);
    put_caption(&s, &r);
    lx_strbuf_puts(&r, "\"}");
  }
  lx_strbuf_putc(&r, ']');
  f->annotations = lx_path_join(dir, "captions.json");
  f->results = lx_path_join(dir, "caption_results.json");
  f->entries = n;
  f->sub_entries = n * CAPTIONS_PER_IMAGE;
  int rc = write_out(f->annotations, &a, &f->bytes, err);
  if (!rc) rc = write_out(f->results, &r, &f->bytes, err);
  lx_strbuf_free(&a);
  lx_strbuf_free(&r);
  return rc;
}

static int write_vqa_set(const char *dir, int scale, uint64_t seed, data_files *f, lx_error *err) {
  uint64_t s = seed ^ 0x7A7Aull;
  size_t n = (size_t)VQA_BASE_QUESTIONS * (size_t)scale;
  lx_strbuf qf = {0}, af = {0}, rf = {0}, pf = {0};
  lx_strbuf_puts(&qf,
                 "{\"info\": {\"description\": \"generated, VQAv2-shaped\"}, \"task_type\": "
                 "\"Open-Ended\", \"data_type\": \"mscoco\", \"license\": {\"url\": "
                 "\"http://creativecommons.org/licenses/by/4.0/\", \"name\": \"Creative "
                 "Commons Attribution 4.0 International License\"}, \"data_subtype\": "
                 "\"val2014\", \"questions\": [");
  lx_strbuf_puts(&af,
                 "{\"info\": {\"description\": \"generated, VQAv2-shaped\"}, \"license\": "
                 "{\"url\": \"http://creativecommons.org/licenses/by/4.0/\"}, "
                 "\"data_subtype\": \"val2014\", \"annotations\": [");
  lx_strbuf_putc(&rf, '[');
  for (size_t i = 0; i < n; i++) {
    question q;
    make_question(&s, &q);
    size_t image = 100000 + (i / 5) * 7, qid = image * 1000 + i % 5;
    const char *sep = i ? ", " : "";
    lx_strbuf_printf(&qf, "%s{\"image_id\": %zu, \"question\": \"%s\", \"question_id\": %zu}", sep,
                     image, q.text, qid);
    lx_strbuf_printf(&af,
                     "%s{\"question_type\": \"%s\", \"multiple_choice_answer\": \"%s\", "
                     "\"answers\": [",
                     sep, q.type, q.answer);
    for (int k = 0; k < VQA_ANSWERS; k++)
      lx_strbuf_printf(
          &af, "%s{\"answer\": \"%s\", \"answer_confidence\": \"%s\", \"answer_id\": %d}",
          k ? ", " : "", annotator_answer(&s, &q), pick(&s, 4) ? "yes" : "maybe", k + 1);
    lx_strbuf_printf(&af, "], \"image_id\": %zu, \"answer_type\": \"%s\", \"question_id\": %zu}",
                     image, q.answer_type, qid);
    const char *answer = annotator_answer(&s, &q);
    lx_strbuf_printf(&rf, "%s{\"question_id\": %zu, \"answer\": \"%s\"}", sep, qid, answer);
    /* the row `lynxeval run` appends per item (runs/runner.c) */
    lx_strbuf_printf(&pf, "{\"id\":\"%zu\",\"answer\":\"%s\",\"question\":\"%s\",\"references\":[",
                     qid, answer, q.text);
    for (int k = 0; k < VQA_ANSWERS; k++) lx_strbuf_printf(&pf, "%s\"%s\"", k ? "," : "", q.answer);
    lx_strbuf_printf(&pf,
                     "],\"category\":\"%s\",\"media\":\"val2014/COCO_val2014_%012zu.jpg\","
                     "\"tokens\":[319,1234,29889,2],\"score\":-1.2345678,\"ended_with_eos\":true,"
                     "\"prompt_ids_dropped\":0}\n",
                     q.answer_type, image);
  }
  lx_strbuf_puts(&qf, "]}");
  lx_strbuf_puts(&af, "]}");
  lx_strbuf_putc(&rf, ']');
  f->questions = lx_path_join(dir, "questions.json");
  f->annotations = lx_path_join(dir, "annotations.json");
  f->results = lx_path_join(dir, "vqa_results.json");
  f->predictions = lx_path_join(dir, "predictions.jsonl");
  f->entries = n;
  f->sub_entries = n * VQA_ANSWERS;
  int rc = write_out(f->questions, &qf, &f->bytes, err);
  if (!rc) rc = write_out(f->annotations, &af, &f->bytes, err);
  if (!rc) rc = write_out(f->results, &rf, &f->bytes, err);
  size_t pred_bytes = 0;
  if (!rc) rc = write_out(f->predictions, &pf, &pred_bytes, err);
  lx_strbuf_free(&qf);
  lx_strbuf_free(&af);
  lx_strbuf_free(&rf);
  lx_strbuf_free(&pf);
  return rc;
}

static void data_files_free(data_files *f) {
  free(f->annotations);
  free(f->questions);
  free(f->results);
  free(f->predictions);
  memset(f, 0, sizeof *f);
}

/* ---- phases, each in a child process ------------------------------------------------------- */

/* The peak resident memory since the last reset (VmHWM), in bytes; -1 if unknown. */
static long long peak_rss_bytes(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long long kb = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmHWM: %lld kB", &kb) == 1) break;
  fclose(f);
  return kb < 0 ? -1 : kb * 1024;
}

/* Starts a new peak: the kernel sets VmHWM to the current resident size. */
static void reset_peak(void) {
  FILE *f = fopen("/proc/self/clear_refs", "w");
  if (!f) return;
  fputs("5", f);
  fclose(f);
}

typedef struct phase_log {
  cJSON *phases; /* [{"phase", "seconds", "peak_rss_bytes"}] */
  double t0;
} phase_log;

static void phase_begin(phase_log *p) {
  reset_peak();
  p->t0 = lx_seconds();
}

static void phase_end(phase_log *p, const char *name) {
  double s = lx_seconds() - p->t0;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "phase", name);
  cJSON_AddNumberToObject(o, "seconds", s);
  cJSON_AddNumberToObject(o, "peak_rss_bytes", (double)peak_rss_bytes());
  cJSON_AddItemToArray(p->phases, o);
}

/* A benchmark's files read, matched and scored as `lynxeval score` does, phase by phase. */
typedef struct score_set {
  const char *load_what, *score_what;
  int (*load_items)(const data_files *f, lx_items *items, lx_error *err);
  int (*load_results)(const char *path, lx_predictions *preds, lx_error *err);
  lx_scorer_kind scorer;
  bool need_all; /* every item answered (VQA), or a subset allowed (captions) */
} score_set;

static int score_phases(const score_set *ss, const data_files *f, phase_log *p, lx_error *err) {
  lx_items items = {0};
  lx_predictions preds = {0};
  size_t *at = NULL;
  cJSON *agg = NULL, *rows = NULL;
  phase_begin(p);
  int rc = ss->load_items(f, &items, err);
  phase_end(p, ss->load_what);
  phase_begin(p);
  if (!rc) rc = ss->load_results(f->results, &preds, err);
  phase_end(p, "load results");
  phase_begin(p);
  if (!rc) rc = lx_predictions_match(&preds, &items, ss->need_all, &at, err);
  phase_end(p, "match");
  phase_begin(p);
  lx_scoring_options so = {.vqa_mode = LX_VQA_OFFICIAL_2017, .caption_tokenizer = LX_CAPTION_PTB};
  if (!rc) rc = lx_score_predictions(ss->scorer, &so, &items, &preds, at, &agg, &rows, err);
  phase_end(p, ss->score_what);
  cJSON_Delete(agg);
  cJSON_Delete(rows);
  free(at);
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return rc;
}

static int load_captions(const data_files *f, lx_items *items, lx_error *err) {
  return lx_coco_caption_load(f->annotations, NULL, items, err);
}

static int load_vqa(const data_files *f, lx_items *items, lx_error *err) {
  return lx_vqav2_load(f->questions, f->annotations, items, err);
}

static const score_set CAPTION_SET = {
    "load annotations", "score (PTB tokenizer, BLEU, ROUGE-L, CIDEr-D)",
    load_captions,      lx_coco_caption_results_load,
    LX_SCORER_CAPTION,  false};
static const score_set VQA_SET = {"load questions + annotations", "score (VQA accuracy)", load_vqa,
                                  lx_vqav2_results_load,          LX_SCORER_VQA,          true};

static int caption_phases(const data_files *f, phase_log *p, lx_error *err) {
  return score_phases(&CAPTION_SET, f, p, err);
}

static int vqa_phases(const data_files *f, phase_log *p, lx_error *err) {
  return score_phases(&VQA_SET, f, p, err);
}

/* What `lynxeval run` does with an existing predictions.jsonl: read it (a torn tail cut),
 * refuse duplicates, find every row's item, index the done ids. */
static int resume_phases(const data_files *f, phase_log *p, lx_error *err) {
  lx_items items = {0}, done_ids = {0};
  lx_predictions done = {0};
  lx_prediction_log log;
  size_t dropped = 0;
  int rc = load_vqa(f, &items, err); /* not timed */
  phase_begin(p);
  if (!rc) rc = lx_prediction_log_open(f->predictions, "answer", &log, &done, &dropped, err);
  if (!rc) lx_prediction_log_close(&log);
  for (size_t i = 0; !rc && i < done.n; i++) {
    if (lx_items_find(&items, done.v[i].id) < 0)
      rc = lx_errorf(err, "%s: id %s is not an item", done.v[i].source, done.v[i].id);
    lx_item *d = lx_items_push(&done_ids);
    d->id = lx_xstrdup(done.v[i].id);
    d->source = lx_xstrdup(done.v[i].source);
  }
  if (!rc) rc = lx_items_index(&done_ids, "prediction for id", err);
  phase_end(p, "resume scan of predictions.jsonl");
  lx_items_free(&items);
  lx_items_free(&done_ids);
  lx_predictions_free(&done);
  return rc;
}

typedef int (*phases_fn)(const data_files *f, phase_log *p, lx_error *err);

/* Runs fn in a child; its phases come back through a pipe as JSON. */
static int run_in_child(phases_fn fn, const data_files *f, cJSON **phases, long long *max_rss,
                        lx_error *err) {
  int fds[2];
  if (pipe(fds) != 0) return lx_errorf(err, "bench data: pipe: %s", strerror(errno));
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return lx_errorf(err, "bench data: fork: %s", strerror(errno));
  }
  if (pid == 0) {
    close(fds[0]);
    phase_log p = {cJSON_CreateArray(), 0};
    lx_error e;
    int rc = fn(f, &p, &e);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "phases", p.phases);
    if (rc) cJSON_AddStringToObject(out, "error", e.msg);
    char *text = cJSON_PrintUnformatted(out);
    size_t len = strlen(text), off = 0;
    while (off < len) {
      ssize_t w = write(fds[1], text + off, len - off);
      if (w <= 0) break;
      off += (size_t)w;
    }
    _exit(rc ? 1 : 0);
  }
  close(fds[1]);
  lx_strbuf b = {0};
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0 && b.len < MAX_REPORT_BYTES)
    lx_strbuf_append(&b, buf, (size_t)n);
  close(fds[0]);
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  *max_rss = (long long)ru.ru_maxrss * 1024;
  cJSON *out = cJSON_Parse(lx_strbuf_str(&b));
  lx_strbuf_free(&b);
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(out, "error");
  int rc = LX_OK;
  if (cJSON_IsString(e))
    rc = lx_errorf(err, "bench data: %s", e->valuestring);
  else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !out)
    rc = lx_errorf(err, "bench data: the measuring process failed (status %d)", status);
  if (rc == LX_OK) *phases = cJSON_DetachItemFromObjectCaseSensitive(out, "phases");
  cJSON_Delete(out);
  return rc;
}

static void say(const lx_bench_data_options *opt, const char *what) {
  if (opt->progress) opt->progress(opt->progress_ctx, what);
}

int lx_bench_data_run(const lx_bench_data_options *opt, cJSON **report, lx_error *err) {
  if (lx_make_dirs(opt->dir, err)) return LX_ERR;
  cJSON *r = cJSON_CreateObject(), *sets = cJSON_AddArrayToObject(r, "sets");
  int rc = LX_OK;
  for (int k = 0; rc == LX_OK && k < opt->n_scales; k++) {
    int scale = opt->scales[k];
    data_files cap = {0}, vqa = {0};
    char what[160];
    snprintf(what, sizeof what, "scale %d: writing the files", scale);
    say(opt, what);
    double t0 = lx_seconds();
    rc = write_caption_set(opt->dir, scale, opt->seed, &cap, err);
    if (!rc) rc = write_vqa_set(opt->dir, scale, opt->seed, &vqa, err);
    double gen_s = lx_seconds() - t0;
    static const char *const names[] = {"caption", "vqa", "resume"};
    const phases_fn fns[] = {caption_phases, vqa_phases, resume_phases};
    for (int set = 0; rc == LX_OK && set < 3; set++) {
      const data_files *f = set == 0 ? &cap : &vqa;
      snprintf(what, sizeof what, "scale %d: %s", scale, names[set]);
      say(opt, what);
      cJSON *phases = NULL;
      long long max_rss = 0;
      rc = run_in_child(fns[set], f, &phases, &max_rss, err);
      if (rc) break;
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "set", names[set]);
      cJSON_AddNumberToObject(o, "scale", scale);
      cJSON_AddNumberToObject(o, "entries", (double)f->entries);
      cJSON_AddNumberToObject(o, "sub_entries", (double)f->sub_entries);
      cJSON_AddNumberToObject(o, "file_bytes", (double)f->bytes);
      cJSON_AddNumberToObject(o, "generate_seconds", gen_s);
      cJSON_AddNumberToObject(o, "process_max_rss_bytes", (double)max_rss);
      cJSON_AddItemToObject(o, "phases", phases);
      cJSON_AddItemToArray(sets, o);
    }
    for (int set = 0; set < 2; set++) {
      data_files *f = set == 0 ? &cap : &vqa;
      const char *paths[] = {f->annotations, f->questions, f->results, f->predictions};
      bool keep = opt->keep && k == opt->n_scales - 1;
      for (size_t i = 0; i < COUNT(paths); i++)
        if (paths[i] && !keep) unlink(paths[i]);
      data_files_free(f);
    }
  }
  if (rc) {
    cJSON_Delete(r);
    return rc;
  }
  *report = r;
  return LX_OK;
}

void lx_bench_data_print(FILE *out, const cJSON *report) {
  fprintf(out, "%-8s %5s %9s %10s %8s  %-52s %9s %10s\n", "set", "scale", "entries", "sub", "MB",
          "phase", "seconds", "peak MB");
  const cJSON *set;
  cJSON_ArrayForEach(set, cJSON_GetObjectItemCaseSensitive(report, "sets")) {
    const cJSON *ph;
    bool first = true;
    cJSON_ArrayForEach(ph, cJSON_GetObjectItemCaseSensitive(set, "phases")) {
      if (first)
        fprintf(out, "%-8s %5.0f %9.0f %10.0f %8.1f  ",
                cJSON_GetObjectItemCaseSensitive(set, "set")->valuestring,
                cJSON_GetObjectItemCaseSensitive(set, "scale")->valuedouble,
                cJSON_GetObjectItemCaseSensitive(set, "entries")->valuedouble,
                cJSON_GetObjectItemCaseSensitive(set, "sub_entries")->valuedouble,
                cJSON_GetObjectItemCaseSensitive(set, "file_bytes")->valuedouble / 1e6);
      else
        fprintf(out, "%-8s %5s %9s %10s %8s  ", "", "", "", "", "");
      first = false;
      fprintf(out, "%-52s %9.3f %10.1f\n",
              cJSON_GetObjectItemCaseSensitive(ph, "phase")->valuestring,
              cJSON_GetObjectItemCaseSensitive(ph, "seconds")->valuedouble,
              cJSON_GetObjectItemCaseSensitive(ph, "peak_rss_bytes")->valuedouble / 1e6);
    }
  }
}
