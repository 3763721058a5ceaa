/* A run directory as `report` and `compare` read it: one of its files (the manifest, a task's
 * fingerprint, predictions, scores or aggregate) replaced by the input, the rest a real run of
 * the tiny world model (tests/fuzz/fixtures/run); then the report rendered as Markdown and HTML,
 * with the gallery of its answers. */
#include "fuzz.h"

#include <cJSON.h>
#include <stdlib.h>

#include "common/strbuf.h"
#include "reports/gallery.h"
#include "reports/report.h"

static const char *const FILES[] = {
    "run/manifest.json",
    "run/open-vqa-image/fingerprint.json",
    "run/open-vqa-image/predictions.jsonl",
    "run/open-vqa-image/scores.jsonl",
    "run/open-vqa-image/aggregate.json",
    "run/coco-caption/scores.jsonl",
    "run/coco-caption/aggregate.json",
    "run/mme/scores.jsonl",
    "run/mme/aggregate.json",
};
enum { N_FILES = sizeof FILES / sizeof FILES[0] };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static fz_files files;
  static char *run;
  if (!run) {
    run = fz_path("run");
    char *all = fz_fixture("run");
    fz_copy_tree(all, run);
    free(all);
    fz_files_init(&files, "", FILES, N_FILES);
  }
  fz_files_place(&files, fz_pick(&data, &size, N_FILES), data, size);
  lx_report_options opt = {0.05, 50, 1, NULL, 0};
  cJSON *model = NULL;
  lx_error err;
  char *runs[1] = {run};
  if (lx_report_build(runs, 1, &opt, &model, &err) == LX_OK) {
    lx_strbuf md = {0}, html = {0};
    lx_report_markdown(model, &md);
    lx_gallery_options go = {LX_GALLERY_ITEMS_PER_TASK, 32, 16, 1u << 20, NULL, NULL, 1, NULL};
    cJSON *gallery = NULL;
    if (lx_gallery_build(model, &go, &gallery, &err) != LX_OK) gallery = NULL;
    lx_report_html(model, gallery, &html);
    cJSON_Delete(gallery);
    lx_strbuf_free(&md);
    lx_strbuf_free(&html);
    cJSON_Delete(model);
  }
  return 0;
}
