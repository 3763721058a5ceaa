/* blip_probe: what a BLIP-family model makes of preprocessed pixels, for test_blip.py: the ViT's
 * output after ln_vision, the Q-Former's, and the projected media rows.
 *
 *   blip_probe MODEL_DIR PIXELS INSTRUCTION VIT_OUT QFORMER_OUT MEDIA_OUT [f32|bf16]
 *     PIXELS: raw float32 [F, 3, S, S] (F = 1 or preprocess.num_frames); INSTRUCTION: the prompt
 *     text the Q-Former reads; writes raw float32 [F, T, Wv], [F, Q, Dq] and [F*Q, D]. */
#include <stdio.h>
#include <stdlib.h>

#include "common/error.h"
#include "common/fileio.h"
#include "model/blip/blip.h"
#include "model/model.h"

static int write_floats(const char *path, const float *x, size_t n) {
  lx_error err;
  if (lx_write_file_atomic(path, x, n * sizeof(float), &err)) {
    fprintf(stderr, "blip_probe: %s\n", err.msg);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr,
            "usage: blip_probe MODEL_DIR PIXELS INSTRUCTION VIT_OUT QFORMER_OUT MEDIA_OUT "
            "[f32|bf16]\n");
    return 2;
  }
  lx_matmul_precision prec = LX_MATMUL_F32;
  if (argc > 7 && lx_matmul_precision_parse(argv[7], &prec)) return 2;
  lx_error err;
  lx_backend *be = lx_backend_cpu_new(1, prec);
  lx_model *m = NULL;
  float *px = NULL;
  size_t count = 0;
  int rc = 1;
  if (lx_model_load(argv[1], be, &m, &err) ||
      lx_read_f32_file(argv[2], (size_t)1 << 28, &px, &count, &err)) {
    fprintf(stderr, "blip_probe: %s\n", err.msg);
  } else {
    const size_t S = (size_t)m->cfg.preprocess.image_size;
    const int frames = (int)(count / (3 * S * S));
    int T, Wv, Q, Dq;
    lx_blip_shapes(m, &T, &Wv, &Q, &Dq);
    const size_t nv = (size_t)frames * T * Wv, nq = (size_t)frames * Q * Dq,
                 nm = lx_model_media_floats(m, frames);
    float *vit = calloc(nv, sizeof(float)), *qf = calloc(nq, sizeof(float)),
          *media = calloc(nm, sizeof(float));
    if (lx_blip_encode(m, px, frames, argv[3], vit, qf, media, &err)) {
      fprintf(stderr, "blip_probe: %s\n", err.msg);
    } else {
      rc = write_floats(argv[4], vit, nv) || write_floats(argv[5], qf, nq) ||
           write_floats(argv[6], media, nm);
    }
    free(vit), free(qf), free(media);
  }
  free(px);
  lx_model_free(m);
  lx_backend_free(be);
  return rc;
}
