/* llava_probe: what a LLaVA model makes of preprocessed pixels, for test_llava.py: the vision
 * tower's output (the patches, before the projector) and the projected media rows.
 *
 *   llava_probe MODEL_DIR PIXELS VIT_OUT MEDIA_OUT [f32|bf16]
 *     PIXELS: raw float32 [3, S, S], or a video's [F, 3, S, S] (F = preprocess.num_frames);
 *     writes raw float32 [G*G, Wv] (a video's: the pooled frames) and [G*G, D]. */
#include <stdio.h>
#include <stdlib.h>

#include "common/error.h"
#include "common/fileio.h"
#include "model/llava/llava.h"
#include "model/model.h"

static int write_floats(const char *path, const float *x, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(x, sizeof(float), n, f) != n || fclose(f) != 0) {
    fprintf(stderr, "llava_probe: cannot write %s\n", path);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: llava_probe MODEL_DIR PIXELS VIT_OUT MEDIA_OUT [f32|bf16]\n");
    return 2;
  }
  lx_matmul_precision prec = LX_MATMUL_F32;
  if (argc > 5 && lx_matmul_precision_parse(argv[5], &prec)) return 2;
  lx_error err;
  lx_backend *be = lx_backend_cpu_new(1, prec);
  lx_model *m = NULL;
  char *px = NULL;
  size_t len = 0;
  int rc = 1;
  if (lx_model_load(argv[1], be, &m, &err) || lx_read_file(argv[2], 1u << 30, &px, &len, &err)) {
    fprintf(stderr, "llava_probe: %s\n", err.msg);
  } else {
    const size_t S = (size_t)m->cfg.preprocess.image_size, rows = (size_t)m->info.media_rows;
    const size_t n_vit = rows * (size_t)lx_llava_vision_width(m);
    float *vit = calloc(n_vit ? n_vit : 1, sizeof(float));
    float *media = calloc(lx_model_media_floats(m, 1), sizeof(float));
    if (!n_vit) {
      fprintf(stderr, "llava_probe: %s is not a LLaVA model\n", argv[1]);
    } else if (len % (3 * S * S * sizeof(float)) != 0) {
      fprintf(stderr, "llava_probe: %s holds %zu bytes, not [F, 3, %zu, %zu] float32\n", argv[2],
              len, S, S);
    } else if (lx_llava_encode(m, (const float *)px, (int)(len / (3 * S * S * sizeof(float))), vit,
                               media, &err)) {
      fprintf(stderr, "llava_probe: %s\n", err.msg);
    } else {
      rc = write_floats(argv[3], vit, n_vit) ||
           write_floats(argv[4], media, lx_model_media_floats(m, 1));
    }
    free(vit);
    free(media);
  }
  free(px);
  lx_model_free(m);
  lx_backend_free(be);
  return rc;
}
