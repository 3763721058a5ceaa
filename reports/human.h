/* human.h: human evaluation of open-ended answers: a blinded package for raters, and the import
 * of their ratings.
 *
 * Export reads runs' predictions of one task (and the images or video frames from the data
 * directory), samples and shuffles items with a seed, hides the models behind codes (m1, m2, ...
 * in random order) and writes into the package directory:
 *   package.json                  the blinded items (codes, questions, answers, media files)
 *   annotate-rater-<r>.html       one self-contained annotation page per rater (its own order),
 *                                 working offline, saving ratings-rater-<r>.json
 *   labelstudio.json, labelstudio-config.xml   the same units for Label Studio
 *   items.csv                     the same units for a spreadsheet (a grade column to fill)
 *   media/                        the images (and the video frames the model saw) as PNG
 * and, beside the package (not inside it), <package>.key.json: which code is which run.
 *
 * Protocols: "grade" (OwlEval: each answer graded A correct and satisfying, B acceptable with
 * minor flaws, C responds with significant errors, D irrelevant or invalid) and "pairwise" (for
 * every pair of models on an item: left better, right better, or tie).
 *
 * Import checks every ratings file against the package (format, package id, rater, every unit
 * rated exactly once with a valid value) and refuses them all, naming the file and the problem,
 * if any is bad: never a half import. Then it un-blinds with the key and reports grade
 * distributions and means per model, Cohen's (linear-weighted) kappa per pair of raters,
 * Fleiss' kappa and Krippendorff's alpha, and for pairwise ratings wins, losses, ties and
 * Bradley-Terry strengths on the Elo scale with bootstrap intervals. */
#ifndef LX_HUMAN_H
#define LX_HUMAN_H

#include <cJSON.h>
#include <stdint.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "media/image.h"

typedef enum lx_human_protocol { LX_HUMAN_GRADE, LX_HUMAN_PAIRWISE } lx_human_protocol;

typedef struct lx_human_export_options {
  lx_human_protocol protocol;
  const char *task;     /* NULL: the first task every run has */
  const char *data_dir; /* where the runs' media paths are */
  int raters;           /* annotation pages to write */
  size_t limit;         /* items to sample (0: all) */
  uint64_t seed;
  const lx_media_limits *media_limits; /* what one image or video may cost; NULL: defaults */
} lx_human_export_options;

int lx_human_export(char *const *runs, size_t n_runs, const char *out_dir,
                    const lx_human_export_options *opt, lx_error *err);

/* key_path NULL: <package_dir>.key.json. *report receives the un-blinded results. */
int lx_human_import(const char *package_dir, const char *key_path, char *const *ratings,
                    size_t n_ratings, uint64_t seed, cJSON **report, lx_error *err);

/* The annotation page of one rater (human_page.c): items is the package's item array in this
 * rater's order, media maps file names to data URIs. */
void lx_human_page(const cJSON *package, const cJSON *items, const cJSON *media, const char *rater,
                   lx_strbuf *out);

#endif
