/* qformer_probe: the Q-Former block (model/qformer.h) on its own, for test_qformer.py.
 *
 *   qformer_probe WEIGHTS CONFIG IMAGE N_IMG OUT [f32|bf16] [ID ...]
 *     WEIGHTS: a safetensors file with the qformer.* tensors; CONFIG: JSON {"qformer": {...},
 *     "vision_width": Wv}; IMAGE: raw float32 [N_IMG, Wv]; the ids (none: no text) are the
 *     text's; writes raw float32 [Q, D] to OUT. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/error.h"
#include "common/fileio.h"
#include "model/backend.h"
#include "model/qformer.h"
#include "model/weights.h"

static int fail(const char *msg) {
  fprintf(stderr, "qformer_probe: %s\n", msg);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 6)
    return fail("usage: qformer_probe WEIGHTS CONFIG IMAGE N_IMG OUT [f32|bf16] [ID ...]");
  lx_error err;
  lx_matmul_precision prec = LX_MATMUL_F32;
  int first_id = 6;
  if (argc > 6 && lx_matmul_precision_parse(argv[6], &prec) == 0) first_id = 7;
  char *text;
  size_t len;
  if (lx_read_file(argv[2], 1 << 20, &text, &len, &err)) return fail(err.msg);
  cJSON *root = cJSON_Parse(text);
  free(text);
  if (!root) return fail("config: not JSON");
  lx_qformer_config cfg;
  const cJSON *vw = cJSON_GetObjectItem(root, "vision_width");
  if (!cJSON_IsNumber(vw)) return fail("config: no vision_width");
  if (lx_qformer_config_read(cJSON_GetObjectItem(root, "qformer"), argv[2], "qformer", vw->valueint,
                             &cfg, &err))
    return fail(err.msg);
  cJSON_Delete(root);
  lx_weights *w;
  if (lx_weights_open(argv[1], &w, &err)) return fail(err.msg);
  lx_qformer qf;
  lx_binder b = {w, &err, 0};
  lx_qformer_bind(&qf, &cfg, &b);
  if (b.failed) return fail(err.msg);
  const char *unused = lx_weights_first_unused(w);
  if (unused) {
    fprintf(stderr, "qformer_probe: tensor '%s' is not used\n", unused);
    return 1;
  }
  int n_img = atoi(argv[4]), n_ids = argc - first_id;
  float *image;
  size_t count;
  if (lx_read_f32_file(argv[3], (size_t)1 << 28, &image, &count, &err)) return fail(err.msg);
  if (count != (size_t)n_img * cfg.vision_width) return fail("image: wrong size");
  int *ids = calloc((size_t)n_ids + 1, sizeof *ids);
  for (int i = 0; i < n_ids; i++) ids[i] = atoi(argv[first_id + i]);
  lx_backend *be = lx_backend_cpu_new(1, prec);
  float *out = calloc((size_t)cfg.n_query * cfg.width, sizeof *out);
  lx_qformer_scratch s = {0};
  lx_qformer_forward(be, &qf, image, n_img, ids, n_ids, out, &s);
  int rc = lx_write_file_atomic(argv[5], out, (size_t)cfg.n_query * cfg.width * sizeof(float), &err)
               ? fail(err.msg)
               : 0;
  lx_qformer_scratch_free(&s);
  lx_qformer_free(&qf);
  lx_backend_free(be);
  lx_weights_close(w);
  free(out);
  free(ids);
  free(image);
  return rc;
}
