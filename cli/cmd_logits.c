/* lynxeval logits: next-token logits at the last position, as raw float32. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "common/clock.h"
#include "common/fileio.h"
#include "media/media.h"
#include "model/model.h"
#include "text/prompt.h"

/* Reads --pixels and checks it holds 1 or num_frames preprocessed frames. */
static int read_pixels(const char *name, const char *path, const lx_preprocess_config *cfg,
                       long frames_opt, float **pixels, int *n_frames) {
  const size_t frame = (size_t)3 * cfg->image_size * cfg->image_size;
  lx_error err;
  float *px;
  size_t count;
  if (lx_read_f32_file(path, frame * (size_t)cfg->num_frames, &px, &count, &err)) {
    cli_error(name, "%s", err.msg);
    return CLI_FAIL;
  }
  if (count == 0 || count % frame != 0) {
    cli_error(name,
              "%s: %zu floats is not a whole number of [3,%d,%d] frames (expected raw "
              "little-endian float32 of shape [N,3,%d,%d])",
              path, count, cfg->image_size, cfg->image_size, cfg->image_size, cfg->image_size);
    free(px);
    return CLI_FAIL;
  }
  int n = (int)(count / frame);
  if (frames_opt > 0 && n != frames_opt) {
    cli_error(name, "%s: holds %d frames but --frames says %ld", path, n, frames_opt);
    free(px);
    return CLI_FAIL;
  }
  if (n != 1 && n != cfg->num_frames) {
    cli_error(name, "%s: holds %d frames; the model takes 1 (an image) or %d (a video)", path, n,
              cfg->num_frames);
    free(px);
    return CLI_FAIL;
  }
  for (size_t i = 0; i < count; i++)
    if (!isfinite(px[i])) {
      cli_error(name, "%s: value %zu is not a finite number", path, i);
      free(px);
      return CLI_FAIL;
    }
  *pixels = px;
  *n_frames = n;
  return CLI_OK;
}

static int run(int argc, char **argv) {
  const char *precision = NULL;
  const char *model_dir = NULL, *tokens = NULL, *prompt = NULL, *pixels_path = NULL, *out = NULL,
             *image = NULL, *video = NULL, *rule = "", *instruction = NULL;
  long seed = 0;
  lx_media_limits limits = LX_MEDIA_LIMITS_DEFAULT;
  long frames = 0, threads = 0;
  cli_opt opts[] = {
      {"--model", CLI_STRING, &model_dir, "DIR", "model directory (config.json, model.safetensors)",
       0, 0, 0},
      {"--tokens", CLI_STRING, &tokens, "IDS",
       "comma-separated token ids, BOS included, nothing added; the word media marks where the "
       "media go (else the model's family places them)",
       0, 0, 0},
      {"--prompt", CLI_STRING, &prompt, "TEXT",
       "question to tokenize with the model's prompt template", 0, 0, 0},
      {"--instruction", CLI_STRING, &instruction, "TEXT",
       "the text a model's media encoder reads with the media (InstructBLIP's Q-Former; default: "
       "--prompt's prompt text)",
       0, 0, 0},
      {"--pixels", CLI_STRING, &pixels_path, "FILE", "preprocessed media: raw float32 [N,3,H,W]", 0,
       0, 0},
      {"--image", CLI_STRING, &image, "FILE",
       "an image (PNG, JPEG, GIF), preprocessed as the model does", 0, 0, 0},
      {"--video", CLI_STRING, &video, "PATH",
       "a video file, frame directory or .json base64 frame list", 0, 0, 0},
      {"--frame-rule", CLI_STRING, &rule, "RULE",
       "video frame rule (default: the config's, segment-start)", 0, 0, 0},
      {"--seed", CLI_INT, &seed, "S", "seed for --frame-rule reference-random", 0, 2147483647L, 0},
      {"--frames", CLI_INT, &frames, "N", "frames in --pixels (1 = image; default: from the size)",
       1, 4096, 0},
      {"--out", CLI_STRING, &out, "FILE",
       "where to write the logits (raw float32, vocabulary size)", 0, 0, 0},
      {"--threads", CLI_INT, &threads, "N",
       "threads (default: $LYNXEVAL_THREADS or the cores this process may use)", 0, 256, 0},
      {"--precision", CLI_STRING, &precision, "f32|bf16", CLI_PRECISION_HELP, 0, 0, 0},
      CLI_MEDIA_LIMIT_OPTS(limits),
  };
  const int n_opts = (int)(sizeof opts / sizeof opts[0]);
  int rc = cli_parse(&cmd_logits, argc, argv, opts, n_opts);
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  const char *name = cmd_logits.name;
  if (!model_dir || !out) {
    cli_error(name, "--model and --out are required (see lynxeval logits --help)");
    return CLI_USAGE;
  }
  if (!tokens == !prompt) {
    cli_error(name, "give exactly one of --tokens and --prompt");
    return CLI_USAGE;
  }
  if (!!image + !!pixels_path + !!video > 1) {
    cli_error(name, "give at most one of --pixels, --image and --video");
    return CLI_USAGE;
  }
  if (frames && !pixels_path) {
    cli_error(name, "--frames needs --pixels");
    return CLI_USAGE;
  }
  lx_backend *backend = cli_cpu_backend(name, threads, NULL);
  lx_error err;
  lx_model *model;
  double t0 = lx_seconds();
  if (lx_model_load(model_dir, backend, &model, &err)) {
    cli_error(name, "%s", err.msg);
    lx_backend_free(backend);
    return CLI_FAIL;
  }
  const lx_model_config *cfg = &model->cfg;
  const lx_model_info *info = &model->info;
  int *ids = NULL, n_ids = 0, n_frames = 0;
  float *pixels = NULL, *media = NULL, *logits = NULL;
  lx_session *session = NULL;
  if (tokens) {
    rc = cli_parse_ids(name, tokens, info->vocab_size - 1, &ids, &n_ids);
  } else {
    lx_ints built = {0};
    int dropped = 0;
    const bool with_media = pixels_path || image || video;
    if (lx_model_prompt_ids(model, NULL, prompt, with_media, &built, &dropped, &err)) {
      cli_error(name, "%s", err.msg);
      rc = CLI_FAIL;
    } else if (dropped > 0) {
      fprintf(stderr,
              "lynxeval logits: prompt truncated to its last %d ids, as the reference does\n",
              built.len);
    }
    ids = built.v;
    n_ids = built.len;
  }
  if (rc == CLI_OK && pixels_path)
    rc = read_pixels(name, pixels_path, &cfg->preprocess, frames, &pixels, &n_frames);
  if (rc == CLI_OK && (image || video)) {
    lx_media m;
    if (image ? lx_media_load_image(image, &cfg->preprocess, &limits, &m, &err)
              : lx_media_load_video(video, &cfg->preprocess, rule, (uint64_t)seed, &limits, &m,
                                    &err)) {
      cli_error(name, "%s", err.msg);
      rc = CLI_FAIL;
    } else {
      pixels = m.pixels; /* taken over */
      m.pixels = NULL;
      n_frames = m.frames;
      lx_media_free(&m);
    }
  }
  double t_load = lx_seconds();
  for (int i = 0; rc == CLI_OK && !pixels && i < n_ids; i++)
    if (ids[i] == LX_MEDIA_ID) {
      cli_error(name, "--tokens marks a place for media, but no --image, --video or --pixels");
      rc = CLI_USAGE;
    }
  lx_strbuf text = {0};
  if (rc == CLI_OK && pixels && info->media_reads_instruction && !instruction) {
    if (!prompt) {
      cli_error(name,
                "this model encodes media with the prompt's text: with --tokens, give "
                "--instruction");
      rc = CLI_USAGE;
    } else if (lx_model_prompt_text(model, NULL, prompt, true, &text, &err)) {
      cli_error(name, "%s", err.msg);
      rc = CLI_FAIL;
    } else {
      instruction = lx_strbuf_str(&text);
    }
  }
  if (rc == CLI_OK && pixels) {
    media = lx_xcalloc(lx_model_media_floats(model, n_frames), sizeof(float));
    if (lx_model_encode(model, pixels, n_frames, instruction, media, &err)) {
      cli_error(name, "%s", err.msg);
      rc = CLI_FAIL;
    }
  }
  double t_media = lx_seconds();
  if (rc == CLI_OK) {
    lx_prompt p = lx_model_prompt(model, media, lx_model_media_rows(model, n_frames), ids, n_ids);
    int capacity = lx_model_prompt_positions(model, &p);
    logits = lx_xcalloc((size_t)info->vocab_size, sizeof(float));
    if (lx_session_new(model, 1, capacity > 0 ? capacity : 1, &session, &err) ||
        lx_session_prefill(session, &p, logits, &err)) {
      cli_error(name, "%s", err.msg);
      rc = CLI_FAIL;
    }
  }
  double t_prefill = lx_seconds();
  if (rc == CLI_OK &&
      lx_write_file_atomic(out, logits, (size_t)info->vocab_size * sizeof(float), &err)) {
    cli_error(name, "%s", err.msg);
    rc = CLI_FAIL;
  }
  if (rc == CLI_OK) {
    int best = 0;
    for (int i = 1; i < info->vocab_size; i++)
      if (logits[i] > logits[best]) best = i;
    fprintf(stderr,
            "lynxeval logits: %d values -> %s (argmax id %d, logit %.4f); load %.3f s, media "
            "%.3f s, prefill %d tokens %.3f s\n",
            info->vocab_size, out, best, (double)logits[best], t_load - t0, t_media - t_load,
            lx_session_length(session, 0), t_prefill - t_media);
  }
  lx_session_free(session);
  free(logits);
  free(media);
  lx_strbuf_free(&text);
  free(pixels);
  free(ids);
  lx_model_free(model);
  lx_backend_free(backend);
  return rc;
}

const cli_command cmd_logits = {
    "logits",
    "write the next-token logits at the last position as raw float32",
    "logits --model DIR (--tokens 1,306,... | --prompt TEXT) [--image FILE | --pixels FILE "
    "[--frames N]] --out "
    "FILE",
    "The output holds vocab_size little-endian float32 values: the logits after the last token.\n"
    "--tokens is the complete text id sequence (BOS included, nothing added); --prompt builds it\n"
    "from a question as the model does (see lynxeval tokenize --help). Without --pixels\n"
    "the input is text only. With --pixels, N = 1 is an image and N = the model's frame count\n"
    "is a video; pixels must already be preprocessed (resized, cropped, normalized).\n"
    "The output file is written atomically: an error never leaves a partial file behind.",
    run,
};
