/* lynxeval judge: score open-ended answers of a run with an LLM judge.
 *
 *   judge export  the judge requests as JSON Lines, to send anywhere
 *   judge import  verdicts obtained elsewhere ({"id", "verdict"} lines)
 *   judge call    an OpenAI-compatible chat-completions endpoint, verdict by verdict, resumable
 *
 * The logic is in runs/judging (requests, verdict log, aggregate) and scorers/llm_judge (prompts
 * and verdict parsing); this file wires them to files and the network. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "common/fileio.h"
#include "common/http.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "runs/judging.h"
#include "runs/prediction_log.h"

#define N_OPTS(a)          ((int)(sizeof(a) / sizeof((a)[0])))
#define CALL_ATTEMPTS      4 /* per request, for 429, 5xx and timeouts */
#define DEFAULT_TIMEOUT_S  120
#define DEFAULT_MAX_TOKENS 256

static const char *const NAME = "judge";

static void print_summary(const cJSON *agg) {
  char *s = cJSON_PrintUnformatted(agg);
  printf("%s\n", s);
  free(s);
}

static int run_export(const char *run_dir, const char *task, const char *template_from, int runs,
                      const char *out, lx_error *err) {
  lx_judge_set set;
  if (lx_judge_set_load(run_dir, task, template_from, runs, &set, err)) return LX_ERR;
  int rc = lx_json_write_lines_atomic(out, set.requests, err);
  if (rc == LX_OK)
    fprintf(stderr, "lynxeval judge: %d requests (template %s) written to %s\n",
            cJSON_GetArraySize(set.requests), lx_judge_template_name(set.kind), out);
  lx_judge_set_free(&set);
  return rc;
}

/* Opens the judge's verdict log, appends new verdicts through `more` (may be NULL), and finishes.
 */
static int with_log(const char *run_dir, const char *task, const char *judge, lx_judge_set *set,
                    int (*more)(void *ctx, lx_judge_set *set, lx_prediction_log *log,
                                lx_predictions *have, const char *judge, lx_error *err),
                    void *ctx, lx_error *err) {
  char *dir = NULL;
  lx_prediction_log log = {.fd = -1};
  lx_predictions have = {0};
  size_t dropped = 0;
  int rc = lx_judge_dir(run_dir, task, judge, &dir, err);
  char *path = dir ? lx_path_join(dir, "verdicts.jsonl") : NULL;
  if (rc == LX_OK) rc = lx_prediction_log_open(path, "verdict", &log, &have, &dropped, err);
  if (rc == LX_OK && more) rc = more(ctx, set, &log, &have, judge, err);
  lx_prediction_log_close(&log);
  lx_predictions_free(&have);
  if (rc == LX_OK) rc = lx_prediction_log_open(path, "verdict", &log, &have, &dropped, err);
  lx_prediction_log_close(&log);
  cJSON *agg = NULL;
  if (rc == LX_OK) rc = lx_judge_finish(set, &have, judge, dir, &agg, err);
  if (rc == LX_OK) print_summary(agg);
  cJSON_Delete(agg);
  lx_predictions_free(&have);
  free(path);
  free(dir);
  return rc;
}

/* The stored verdict for id, or NULL. */
static const char *stored_verdict(const lx_predictions *have, const char *id) {
  for (size_t i = 0; i < have->n; i++)
    if (!strcmp(have->v[i].id, id)) return have->v[i].text;
  return NULL;
}

static int append_imported(void *ctx, lx_judge_set *set, lx_prediction_log *log,
                           lx_predictions *have, const char *judge, lx_error *err) {
  const lx_predictions *rows = ctx;
  lx_predictions add = {0};
  int rc = lx_judge_import_check(set, rows, have, &add, err);
  size_t added = 0;
  for (; rc == LX_OK && added < add.n; added++) {
    cJSON *req = lx_judge_request_of(set, add.v[added].id);
    cJSON *row = lx_judge_verdict_row(req, judge, add.v[added].text);
    rc = lx_prediction_log_append(log, row, err);
    cJSON_Delete(row);
    cJSON_Delete(req);
  }
  if (rc == LX_OK)
    fprintf(stderr, "lynxeval judge: %zu verdicts imported (%zu already there)\n", add.n,
            rows->n - add.n);
  lx_predictions_free(&add);
  return rc;
}

typedef struct call_ctx {
  const char *endpoint, *model, *token;
  long timeout, max_tokens;
} call_ctx;

static void sleep_seconds(double s) {
  struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  nanosleep(&ts, NULL);
}

/* The reply's text: choices[0].message.content, or NULL. */
static const char *reply_text(const cJSON *response) {
  const cJSON *choice = cJSON_GetArrayItem(cJSON_GetObjectItem(response, "choices"), 0);
  const cJSON *content = cJSON_GetObjectItem(cJSON_GetObjectItem(choice, "message"), "content");
  return cJSON_IsString(content) ? content->valuestring : NULL;
}

/* Sends one request; its reply's text (or the raw response, when it has none) into *reply. */
static int ask_endpoint(const call_ctx *c, const cJSON *req, lx_strbuf *reply, lx_error *err) {
  const char *id = cJSON_GetObjectItem(req, "id")->valuestring;
  const cJSON *temperature = cJSON_GetObjectItemCaseSensitive(req, "temperature"),
              *max_tokens = cJSON_GetObjectItemCaseSensitive(req, "max_tokens");
  cJSON *body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "model", c->model);
  cJSON_AddItemToObject(body, "messages", cJSON_Duplicate(cJSON_GetObjectItem(req, "messages"), 1));
  /* a request that names its own (MM-Vet's script's) is sent with them */
  cJSON_AddNumberToObject(body, "temperature",
                          cJSON_IsNumber(temperature) ? temperature->valuedouble : 0);
  cJSON_AddNumberToObject(
      body, "max_tokens",
      cJSON_IsNumber(max_tokens) ? max_tokens->valuedouble : (double)c->max_tokens);
  char *text = cJSON_PrintUnformatted(body);
  cJSON_Delete(body);
  lx_strbuf response = {0};
  long status = 0;
  int rc = LX_OK;
  for (int attempt = 1; attempt <= CALL_ATTEMPTS; attempt++) {
    lx_strbuf_clear(&response);
    rc = lx_http_post_json(c->endpoint, text, c->token, c->timeout, &status, &response, err);
    bool retry = rc != LX_OK || status == 429 || status >= 500;
    if (!retry || attempt == CALL_ATTEMPTS) break;
    fprintf(stderr, "lynxeval judge: item %s: %s; retrying in %d s\n", id,
            rc ? err->msg : "the endpoint answered an error status", 1 << (attempt - 1));
    sleep_seconds((double)(1 << (attempt - 1)));
  }
  free(text);
  if (rc == LX_OK && status != 200)
    rc = lx_errorf(err, "%s answered HTTP %ld for item %s: %.300s", c->endpoint, status, id,
                   lx_strbuf_str(&response));
  if (rc == LX_OK) {
    /* a reply cJSON would cut short (a \u0000 in it) is kept raw too */
    lx_error cut;
    cJSON *parsed = lx_json_check_text(c->endpoint, lx_strbuf_str(&response), response.len, &cut)
                        ? NULL
                        : cJSON_Parse(lx_strbuf_str(&response));
    const char *text_of_reply = parsed ? reply_text(parsed) : NULL;
    /* a reply without text is kept raw: it will count as unparseable, not vanish */
    lx_strbuf_clear(reply);
    lx_strbuf_puts(reply, text_of_reply ? text_of_reply : lx_strbuf_str(&response));
    cJSON_Delete(parsed);
  }
  lx_strbuf_free(&response);
  return rc;
}

static int call_endpoint(void *vctx, lx_judge_set *set, lx_prediction_log *log,
                         lx_predictions *have, const char *judge, lx_error *err) {
  call_ctx *c = vctx;
  int total = cJSON_GetArraySize(set->requests), done = 0, rc = LX_OK;
  const cJSON *first;
  lx_strbuf reply = {0};
  cJSON_ArrayForEach(first, set->requests) {
    /* the request, then each further ask its judge's script would send after the reply */
    cJSON *next = NULL;
    for (const cJSON *req = first; req && rc == LX_OK;) {
      const char *id = cJSON_GetObjectItem(req, "id")->valuestring, *stored;
      if ((stored = stored_verdict(have, id)) != NULL) {
        lx_strbuf_clear(&reply);
        lx_strbuf_puts(&reply, stored);
      } else {
        rc = ask_endpoint(c, req, &reply, err);
        cJSON *row = rc ? NULL : lx_judge_verdict_row(req, judge, lx_strbuf_str(&reply));
        if (row) rc = lx_prediction_log_append(log, row, err);
        cJSON_Delete(row);
      }
      cJSON *after = rc ? NULL : lx_judge_next_ask(set, req, lx_strbuf_str(&reply));
      cJSON_Delete(next);
      req = next = after;
    }
    cJSON_Delete(next);
    if (rc) break; /* the verdicts so far are kept; run the same command to go on */
    fprintf(stderr, "\rlynxeval judge: %d/%d verdicts", ++done, total);
  }
  lx_strbuf_free(&reply);
  if (rc == LX_OK) fprintf(stderr, "\n");
  return rc;
}

static int run(int argc, char **argv) {
  const char *run_dir = NULL, *task = NULL, *out = NULL, *verdicts = NULL, *judge = NULL,
             *endpoint = NULL, *judge_model = NULL, *key_env = NULL, *template_from = NULL;
  long timeout = DEFAULT_TIMEOUT_S, max_tokens = DEFAULT_MAX_TOKENS, runs = 1;
  cli_opt opts[] = {
      {"--run", CLI_STRING, &run_dir, "RUNDIR", "a run directory made by lynxeval run", 0, 0, 0},
      {"--task", CLI_STRING, &task, "TASK",
       "open-vqa-image, open-vqa-video, llava-bench, mmbench, mmbench-cn, msvd-qa, msrvtt-qa or "
       "mm-vet",
       0, 0, 0},
      {"--template-from", CLI_STRING, &template_from, "FILE",
       "mmbench: your MMBench eval_mmbench.py; msvd-qa, msrvtt-qa: your Video-ChatGPT "
       "evaluate_activitynet_qa.py; mm-vet: your MM-Vet mm-vet_evaluator.py (their judge prompts)",
       0, 0, 0},
      {"--runs", CLI_INT, &runs, "N",
       "mm-vet: grade the whole set N times (default 1, the script's --num_run; its paper: 5)", 1,
       100, 0},
      {"--out", CLI_STRING, &out, "FILE", "export: where the requests go (JSON Lines)", 0, 0, 0},
      {"--verdicts", CLI_STRING, &verdicts, "FILE", "import: JSON Lines {\"id\", \"verdict\"}", 0,
       0, 0},
      {"--judge", CLI_STRING, &judge, "ID", "import: who judged (a model name and version)", 0, 0,
       0},
      {"--endpoint", CLI_STRING, &endpoint, "URL",
       "call: an OpenAI-compatible .../v1/chat/completions URL", 0, 0, 0},
      {"--judge-model", CLI_STRING, &judge_model, "NAME", "call: the model the endpoint should use",
       0, 0, 0},
      {"--api-key-env", CLI_STRING, &key_env, "VAR",
       "call: the environment variable holding the API key", 0, 0, 0},
      {"--timeout", CLI_INT, &timeout, "S", "call: seconds per request (default 120)", 1, 3600, 0},
      {"--max-tokens", CLI_INT, &max_tokens, "N",
       "call: longest reply (default 256; mm-vet's requests carry its script's 3)", 1, 65536, 0},
  };
  const char *verb = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
  int shift = verb ? 1 : 0;
  argv[shift] = argv[0];
  int rc = cli_parse(&cmd_judge, argc - shift, argv + shift, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (template_from && task && strcmp(task, "mmbench") != 0 && strcmp(task, "mmbench-cn") != 0 &&
      strcmp(task, "msvd-qa") != 0 && strcmp(task, "msrvtt-qa") != 0 && strcmp(task, "mm-vet")) {
    cli_error(NAME,
              "--template-from is for mmbench, mmbench-cn, msvd-qa, msrvtt-qa and mm-vet, whose "
              "judge prompts are their benchmarks' own");
    return CLI_USAGE;
  }
  if (runs != 1 && task && strcmp(task, "mm-vet") != 0) {
    cli_error(NAME, "--runs is for mm-vet, whose script grades the whole set --num_run times");
    return CLI_USAGE;
  }
  if (!verb || !run_dir || !task) {
    cli_error(NAME,
              "give export, import or call, with --run and --task (see lynxeval judge --help)");
    return CLI_USAGE;
  }
  lx_error err;
  if (!strcmp(verb, "export")) {
    if (!out) {
      cli_error(NAME, "export needs --out FILE");
      return CLI_USAGE;
    }
    rc = run_export(run_dir, task, template_from, (int)runs, out, &err);
  } else if (!strcmp(verb, "import") || !strcmp(verb, "call")) {
    bool call = !strcmp(verb, "call");
    if (call ? !endpoint || !judge_model : !verdicts || !judge) {
      cli_error(NAME, call ? "call needs --endpoint and --judge-model"
                           : "import needs --verdicts and --judge");
      return CLI_USAGE;
    }
    const char *token = NULL;
    if (call && key_env) {
      token = getenv(key_env);
      if (!token || !*token) {
        cli_error(NAME, "--api-key-env: the environment variable %s is not set", key_env);
        return CLI_USAGE;
      }
    }
    lx_judge_set set;
    rc = lx_judge_set_load(run_dir, task, template_from, (int)runs, &set, &err);
    if (rc == LX_OK && !call) {
      lx_predictions rows = {0};
      rc = lx_judge_read_verdicts(verdicts, &rows, &err);
      if (rc == LX_OK) rc = with_log(run_dir, task, judge, &set, append_imported, &rows, &err);
      lx_predictions_free(&rows);
    } else if (rc == LX_OK) {
      /* the judge id names the model and where it answered */
      lx_strbuf id = {0};
      lx_strbuf_puts(&id, judge_model);
      lx_strbuf_puts(&id, "@");
      lx_strbuf_puts(&id, endpoint);
      call_ctx cc = {endpoint, judge_model, token, timeout, max_tokens};
      rc = with_log(run_dir, task, judge ? judge : lx_strbuf_str(&id), &set, call_endpoint, &cc,
                    &err);
      lx_strbuf_free(&id);
    }
    lx_judge_set_free(&set);
  } else {
    cli_error(NAME, "unknown action '%s' (export, import, call)", verb);
    return CLI_USAGE;
  }
  if (rc) cli_error(NAME, "%s", err.msg);
  return rc ? CLI_FAIL : 0;
}

const cli_command cmd_judge = {
    "judge",
    "score open-ended answers with an LLM judge (export, import, call an endpoint)",
    "judge export --run RUNDIR --task TASK [--template-from FILE] [--runs N] --out FILE\n"
    "       judge import --run RUNDIR --task TASK [--template-from FILE] [--runs N] --verdicts "
    "FILE "
    "--judge ID\n"
    "       judge call --run RUNDIR --task TASK [--template-from FILE] [--runs N] --endpoint URL "
    "--judge-model NAME [--api-key-env VAR]",
    "Serves open-vqa-image, open-vqa-video (is the answer correct?), llava-bench (two 1-10\n"
    "scores, reference and model; relative score = mean(model) / mean(reference) x 100), and\n"
    "mmbench and mmbench-cn: MMBench's own judge step, asked only of the circular copies its\n"
    "rules cannot map in questions they leave undecided, with the prompt of the script's\n"
    "build_prompt (read from --template-from, your eval_mmbench.py: lynxeval does not carry it),\n"
    "one user message; a reply is read for a letter by the same rules, and the run is scored\n"
    "again: aggregate.json is the MMBench aggregate with the judge's letters, what stays\n"
    "undecided (no reply, or one no rule reads) listed. The script retries such replies and\n"
    "finally picks a random letter; lynxeval leaves them undecided. msvd-qa and msrvtt-qa:\n"
    "Video-ChatGPT's judge, its system and user messages read from --template-from (your\n"
    "evaluate_activitynet_qa.py); a reply is read as the script reads it (a Python dict with\n"
    "'pred' and 'score'); accuracy = yes / (yes + no), average_score = the mean of int(score)\n"
    "over the replies read. mm-vet: MM-Vet's grader, its prompt read from --template-from (your\n"
    "mm-vet_evaluator.py), one user message per question and run, sent with the script's\n"
    "temperature and max_tokens 3; a reply is read as the script reads it (the text before the\n"
    "first space as a Python float in [0, 1]); one it cannot read is asked again as the script\n"
    "asks (its 'Predict the correctness...' line added, temperature 0, 0.5, 1.0, 1.5, 2.0), as id\n"
    "<question>#<run>.<ask>, and after the sixth ask scores 0.0; --runs N repeats the grading\n"
    "(the paper's 5). aggregate.json holds the script's tables, per capability and per capability\n"
    "integration, the runs' totals and their std, rounded as it rounds them, once every question\n"
    "has a score in every run; grade.json is the script's own grade file. Each\n"
    "request records its template and the sha256 of its prompt; each verdict is stored raw in\n"
    "RUNDIR/<task>/judge/<judge>/verdicts.jsonl with the judge's id, appended and fsynced as it\n"
    "arrives, so an interrupted call resumes where it stopped. A reply that does not follow the\n"
    "format is counted as unparseable and listed in aggregate.json, never averaged in; items\n"
    "without a verdict are listed as missing. An import is checked whole before any verdict is\n"
    "stored (ids in the run, each once, none differing from a stored verdict), so it can be\n"
    "repeated safely. The API key is read from the environment variable\n"
    "named by --api-key-env and is never written anywhere.",
    run,
};
