#include "cli/run_results.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "reports/gallery.h"
#include "reports/report.h"
#include "reports/run_data.h"
#include "reports/stats.h"
#include "runs/run_dir.h"

int cli_write_results(const char *out_dir, bool embedded, lx_error *err) {
  char *dirs[1] = {(char *)out_dir}, **names = NULL;
  size_t n_names = 0;
  lx_error none;
  if (lx_run_task_names(out_dir, &names, &n_names, &none) != LX_OK) {
    /* only tasks people or a judge score (OwlEval, LLaVA-Bench, MM-Vet): nothing to tabulate */
    printf(
        "No task of this run is scored from its answers alone: the answers are in %s/<task>/ "
        "for lynxeval judge or lynxeval human.\n",
        out_dir);
    return LX_OK;
  }
  for (size_t k = 0; k < n_names; k++) free(names[k]);
  free(names);
  lx_report_options opt = {0.05, LX_DEFAULT_RESAMPLES, 1, NULL, 0};
  cJSON *model = NULL;
  int rc = lx_report_build(dirs, 1, &opt, &model, err);
  char *json_path = lx_run_file(out_dir, NULL, LX_RUN_RESULTS);
  if (rc == LX_OK) rc = lx_json_write_atomic(json_path, model, err);
  lx_strbuf md = {0}, html = {0};
  char *html_path = lx_run_file(out_dir, NULL, LX_RUN_REPORT);
  cJSON *gallery = NULL;
  lx_gallery_options go = LX_GALLERY_DEFAULTS;
  go.report_dir = out_dir;
  if (rc == LX_OK && embedded) rc = lx_gallery_build(model, &go, &gallery, err);
  if (rc == LX_OK && embedded) {
    lx_report_markdown(model, &md);
    lx_report_html(model, gallery, &html);
    rc = lx_write_file_atomic(html_path, lx_strbuf_str(&html), html.len, err);
    if (rc == LX_OK)
      printf("\n%s\nRun directory: %s\nReport: %s (opens offline)\n", lx_strbuf_str(&md), out_dir,
             html_path);
  }
  if (rc == LX_OK) printf("Results: %s\n", json_path);
  lx_strbuf_free(&md);
  lx_strbuf_free(&html);
  free(html_path);
  free(json_path);
  cJSON_Delete(gallery);
  cJSON_Delete(model);
  return rc;
}
