/* lynxeval preprocess: the model-ready float32 tensor of an image or video, for diffing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "common/fileio.h"
#include "media/media.h"
#include "model/model.h"

static int run(int argc, char **argv) {
  const char *model_dir = NULL, *image = NULL, *video = NULL, *out = NULL, *rule = "";
  long seed = 0;
  lx_media_limits limits = LX_MEDIA_LIMITS_DEFAULT;
  cli_opt opts[] = {
      {"--model", CLI_STRING, &model_dir, "DIR",
       "model directory (its config.json's preprocessing)", 0, 0, 0},
      {"--image", CLI_STRING, &image, "FILE", "a PNG, JPEG or GIF image", 0, 0, 0},
      {"--video", CLI_STRING, &video, "PATH",
       "a video file, a frame directory or a .json list of base64 frames", 0, 0, 0},
      {"--frame-rule", CLI_STRING, &rule, "RULE",
       "segment-start (default), segment-middle or reference-random", 0, 0, 0},
      {"--seed", CLI_INT, &seed, "S", "seed for --frame-rule reference-random (default 0)", 0,
       2147483647L, 0},
      {"--out", CLI_STRING, &out, "FILE", "where to write raw little-endian float32 [N,3,H,W]", 0,
       0, 0},
      CLI_MEDIA_LIMIT_OPTS(limits),
  };
  int rc = cli_parse(&cmd_preprocess, argc, argv, opts, (int)(sizeof opts / sizeof opts[0]));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  const char *name = cmd_preprocess.name;
  if (!model_dir || !out || !image == !video) {
    cli_error(name, "--model, --out and exactly one of --image and --video are required");
    return CLI_USAGE;
  }
  lx_error err;
  lx_model *model = NULL;
  rc = lx_model_open(model_dir, LX_LOAD_CONFIG, NULL, &model, &err);
  lx_media m = {0};
  if (rc == LX_OK)
    rc = image ? lx_media_load_image(image, &model->cfg.preprocess, &limits, &m, &err)
               : lx_media_load_video(video, &model->cfg.preprocess, rule, (uint64_t)seed, &limits,
                                     &m, &err);
  lx_model_free(model);
  if (rc == LX_OK)
    rc = lx_write_file_atomic(out, m.pixels, (size_t)m.frames * 3 * m.size * m.size * sizeof(float),
                              &err);
  if (rc != LX_OK) {
    cli_error(name, "%s", err.msg);
    lx_media_free(&m);
    return CLI_FAIL;
  }
  fprintf(stderr, "lynxeval preprocess: [%d,3,%d,%d] float32 -> %s", m.frames, m.size, m.size, out);
  if (video) {
    fprintf(stderr, " (frames");
    for (int i = 0; i < m.frames; i++) fprintf(stderr, " %d", m.frame_ids[i]);
    fprintf(stderr, " of %d, %s)", m.source_frames, m.frame_rule);
  }
  fprintf(stderr, "\n");
  lx_media_free(&m);
  return 0;
}

const cli_command cmd_preprocess = {
    "preprocess",
    "write the model-ready float32 tensor of an image or video as raw [N,3,H,W]",
    "preprocess --model DIR (--image FILE | --video PATH [--frame-rule RULE] [--seed S]) --out "
    "FILE",
    "Images are decoded and transformed exactly as the reference does with Pillow 9.4 and\n"
    "torchvision: convert('RGB'), bicubic resize of the short side to the config's image_size,\n"
    "center crop, then (x / 255 - mean) / std. PNG, JPEG and GIF (first frame) are read.\n"
    "A video gives the config's number of frames (5), chosen by the frame rule: segment-start\n"
    "(the reference's deterministic rule), segment-middle, or reference-random (the reference's\n"
    "random rule, seeded). Video files are decoded with FFmpeg; a directory of frame images is\n"
    "read in natural name order; a .json file is the reference's list of base64 frames.",
    run,
};
