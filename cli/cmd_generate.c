/* lynxeval generate: an answer to a question about an image or a video. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/clock.h"
#include "common/fileio.h"
#include "media/media.h"
#include "model/generate.h"
#include "model/model.h"
#include "text/prompt.h"

/* Writes s as a JSON string literal. */
static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p == '\n')
      fputs("\\n", f);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

static void json_ints(FILE *f, const int *v, int n) {
  fputc('[', f);
  for (int i = 0; i < n; i++) fprintf(f, i ? ",%d" : "%d", v[i]);
  fputc(']', f);
}

static int run(int argc, char **argv) {
  const char *precision = NULL;
  const char *model_dir = NULL, *image = NULL, *video = NULL, *question = NULL, *decode = NULL,
             *rule = "";
  lx_media_limits limits = LX_MEDIA_LIMITS_DEFAULT;
  long beams = -1, max_new = -1, min_length = -1, top_k = -1, ngram = -1, seed = 0, threads = 0;
  double top_p = -1, temperature = -1, length_penalty = 1e300, repetition = -1;
  bool json = false, no_seed = false, early = false;
  cli_opt opts[] = {
      {"--model", CLI_STRING, &model_dir, "DIR", "model directory", 0, 0, 0},
      {"--image", CLI_STRING, &image, "FILE", "an image (PNG, JPEG, GIF)", 0, 0, 0},
      {"--video", CLI_STRING, &video, "PATH",
       "a video file, frame directory or .json base64 frame list", 0, 0, 0},
      {"--prompt", CLI_STRING, &question, "TEXT",
       "the question (filled into the model's prompt template)", 0, 0, 0},
      {"--decode", CLI_STRING, &decode, "NAME",
       "greedy, beam, beam-sample or sample (default: the config's)", 0, 0, 0},
      {"--beams", CLI_INT, &beams, "N", "beams for beam and beam-sample", 1, 256, 0},
      {"--max-new-tokens", CLI_INT, &max_new, "N", "most tokens to generate", 1, 65536, 0},
      {"--min-length", CLI_INT, &min_length, "N", "EOS banned while the sequence is shorter", 0,
       65536, 0},
      {"--top-k", CLI_INT, &top_k, "K", "sampling: keep the K most likely tokens (0: off)", 0,
       1 << 20, 0},
      {"--top-p", CLI_DOUBLE, &top_p, "P", "sampling: nucleus probability (1: off)", 0, 1, 0},
      {"--temperature", CLI_DOUBLE, &temperature, "T", "sampling temperature", 0, 1000, 0},
      {"--no-repeat-ngram", CLI_INT, &ngram, "N", "ban repeating any N-gram (0: off)", 0, 1024, 0},
      {"--length-penalty", CLI_DOUBLE, &length_penalty, "L",
       "beam hypotheses score sum_logprobs / length^L", -1000, 1000, 0},
      {"--repetition-penalty", CLI_DOUBLE, &repetition, "P",
       "divide (multiply, when negative) the scores of ids already in the sequence by P > 0 "
       "(1: off)",
       0, 1000000, 0},
      {"--early-stopping", CLI_FLAG, &early, NULL,
       "stop a beam search once it holds enough hypotheses", 0, 0, 0},
      {"--no-bos-seed", CLI_FLAG, &no_seed, NULL,
       "do not count the reference's [<s>] seed in lengths and n-grams", 0, 0, 0},
      {"--seed", CLI_INT, &seed, "S", "seed for the sampling strategies (default 0)", 0,
       2147483647L, 0},
      {"--frame-rule", CLI_STRING, &rule, "RULE", "video frame rule (default: the config's)", 0, 0,
       0},
      {"--json", CLI_FLAG, &json, NULL, "print tokens, score, decoding and timings as JSON", 0, 0,
       0},
      {"--threads", CLI_INT, &threads, "N",
       "threads (default: $LYNXEVAL_THREADS or the cores this process may use)", 0, 256, 0},
      {"--precision", CLI_STRING, &precision, "f32|bf16", CLI_PRECISION_HELP, 0, 0, 0},
      CLI_MEDIA_LIMIT_OPTS(limits),
  };
  int rc = cli_parse(&cmd_generate, argc, argv, opts, (int)(sizeof opts / sizeof opts[0]));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  const char *name = cmd_generate.name;
  if (!model_dir || !question) {
    cli_error(name, "--model and --prompt are required (see lynxeval generate --help)");
    return CLI_USAGE;
  }
  if (image && video) {
    cli_error(name, "give at most one of --image and --video");
    return CLI_USAGE;
  }
  lx_backend *backend = cli_cpu_backend(name, threads, precision);
  if (!backend) return CLI_USAGE;
  double t0 = 1e3 * lx_seconds();
  lx_error err;
  lx_model *model;
  if (lx_model_load(model_dir, backend, &model, &err)) {
    cli_error(name, "%s", err.msg);
    lx_backend_free(backend);
    return CLI_FAIL;
  }
  const lx_model_config *cfg = &model->cfg;
  lx_decode_params p;
  rc = lx_decode_params_from_config(&cfg->decoding, &p, &err) ? CLI_FAIL : CLI_OK;
  if (rc == CLI_OK && decode && lx_decode_strategy_parse(decode, &p.strategy)) {
    cli_error(name, "--decode: \"%s\" is not greedy, beam, beam-sample or sample", decode);
    lx_model_free(model);
    lx_backend_free(backend);
    return CLI_USAGE;
  }
  if (beams >= 0) p.num_beams = (int)beams;
  if (decode && !strcmp(decode, "beam") && beams < 0 && p.num_beams < 2) p.num_beams = 5;
  if (max_new >= 0) p.max_new_tokens = (int)max_new;
  if (min_length >= 0) p.min_length = (int)min_length;
  if (top_k >= 0) p.top_k = (int)top_k;
  if (top_p >= 0) p.top_p = top_p;
  if (temperature >= 0) p.temperature = temperature;
  if (ngram >= 0) p.no_repeat_ngram_size = (int)ngram;
  if (length_penalty < 1e299) p.length_penalty = length_penalty;
  if (repetition == 0) {
    cli_error(name, "--repetition-penalty must be positive (1: off)");
    lx_model_free(model);
    lx_backend_free(backend);
    return CLI_USAGE;
  }
  if (repetition > 0) p.repetition_penalty = repetition;
  p.early_stopping = early;
  if (no_seed) p.seed_bos = false;
  if (rc == CLI_OK && lx_decode_params_check(&p, &err)) rc = CLI_USAGE;
  lx_media media = {0};
  float *latents = NULL;
  lx_ints ids = {0};
  int dropped = 0;
  if (rc == CLI_OK && (image || video) &&
      (image ? lx_media_load_image(image, &cfg->preprocess, &limits, &media, &err)
             : lx_media_load_video(video, &cfg->preprocess, rule, 0, &limits, &media, &err)))
    rc = CLI_FAIL;
  double t_media0 = 1e3 * lx_seconds();
  lx_strbuf instruction = {0};
  if (rc == CLI_OK && media.pixels && model->info.media_reads_instruction &&
      lx_model_prompt_text(model, NULL, question, true, &instruction, &err))
    rc = CLI_FAIL;
  if (rc == CLI_OK && media.pixels) {
    latents = lx_xcalloc(lx_model_media_floats(model, media.frames), sizeof(float));
    if (lx_model_encode(model, media.pixels, media.frames, lx_strbuf_str(&instruction), latents,
                        &err))
      rc = CLI_FAIL;
  }
  lx_strbuf_free(&instruction);
  if (rc == CLI_OK &&
      lx_model_prompt_ids(model, NULL, question, latents != NULL, &ids, &dropped, &err))
    rc = CLI_FAIL;
  double t_gen0 = 1e3 * lx_seconds();
  lx_generation g = {0};
  uint64_t s64 = (uint64_t)seed;
  if (rc == CLI_OK) {
    lx_prompt pr =
        lx_model_prompt(model, latents, lx_model_media_rows(model, media.frames), ids.v, ids.len);
    if (lx_generate(model, &pr, 1, &p, &s64, &g, &err)) rc = CLI_FAIL;
  }
  double t_end = 1e3 * lx_seconds();
  if (rc != CLI_OK) {
    cli_error(name, "%s", err.msg);
  } else if (json) {
    lx_strbuf desc = {0};
    lx_decode_params_describe(&p, &desc);
    printf("{\"answer\": ");
    json_string(stdout, lx_strbuf_str(&g.text));
    printf(", \"tokens\": ");
    json_ints(stdout, g.tokens.v, g.tokens.len);
    printf(", \"score\": %.9g, \"ended_with_eos\": %s, \"decoding\": ", g.score,
           g.ended_with_eos ? "true" : "false");
    json_string(stdout, lx_strbuf_str(&desc));
    printf(", \"seed\": %ld, \"prompt_ids\": ", seed);
    json_ints(stdout, ids.v, ids.len);
    printf(", \"prompt_ids_dropped\": %d", dropped);
    if (video) {
      printf(", \"frames\": ");
      json_ints(stdout, media.frame_ids, media.frames);
      printf(", \"source_frames\": %d, \"frame_rule\": ", media.source_frames);
      json_string(stdout, media.frame_rule);
    }
    printf(", \"timings_ms\": {\"load\": %.1f, \"media\": %.1f, \"generate\": %.1f}}\n",
           t_media0 - t0, t_gen0 - t_media0, t_end - t_gen0);
    lx_strbuf_free(&desc);
  } else {
    printf("%s\n", lx_strbuf_str(&g.text));
  }
  lx_generation_free(&g);
  lx_ints_free(&ids);
  free(latents);
  lx_media_free(&media);
  lx_model_free(model);
  lx_backend_free(backend);
  return rc;
}

const cli_command cmd_generate = {
    "generate",
    "answer a question about an image or a video",
    "generate --model DIR [--image FILE | --video PATH] --prompt TEXT [--decode NAME] [--beams N]\n"
    "       [--max-new-tokens N] [--seed S] [--json] [more decoding options]",
    "Decoding defaults come from the model's config.json; for Lynx that is the reference's\n"
    "beam sampling (5 beams, top-k 3, top-p 0.9, no-repeat 2-grams, min length 2, length\n"
    "penalty -2, 64 new tokens), which is random: --seed makes it repeatable, and --decode beam\n"
    "or greedy make it deterministic. The answer is decoded without special tokens and\n"
    "stripped, as the reference does. --json adds the tokens, the score, the decoding used, the\n"
    "prompt ids, the video frames chosen, and timings.",
    run,
};
