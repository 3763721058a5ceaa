/* gallery.h: the answers themselves, for the HTML report: per task a sample of its items with
 * the picture or the video frames asked about, the question, the references and every run's
 * answer with its score.
 *
 * Items are joined between runs by id, in the first run's order. A task's items are all shown up
 * to opt->items_per_task; beyond it the items where runs disagree (one right, another wrong; or
 * different answers where nothing scores them) come first, then a seeded sample of the rest, and
 * the gallery says how many it shows and links each run's full predictions.jsonl and scores.jsonl.
 * Pictures are small JPEG data URIs, each image once, within a byte budget; a picture that
 * cannot be read (a run made elsewhere, a data directory moved: give --data) is named, never
 * fatal.
 *
 * The model (JSON): {"runs": [label...], "tasks": [{"task", "scorer", "binary", "runs" (the labels
 * of the runs holding it), "items_total", "items_shown", "disagreements", "files": [{"run",
 * "predictions", "scores"}], "media_note", "items": [{"id", "question", "references", "category",
 * "media", "answers": [{"text", "score", "correct"}], "disagree"}]}], "pictures": {media key: [data
 * URI...]}, "picture_bytes"}. */
#ifndef LX_GALLERY_H
#define LX_GALLERY_H

#include <cJSON.h>
#include <stdint.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "media/image.h"

typedef struct lx_gallery_options {
  size_t items_per_task;  /* items shown per task at most */
  int picture_side;       /* pixels: the longer side of an image shown */
  int frame_side;         /* pixels: the longer side of a video frame shown */
  size_t picture_bytes;   /* all pictures together at most (JPEG bytes) */
  const char *data_dir;   /* where the media are; NULL: where each run recorded them */
  const char *report_dir; /* the report's directory, to link the runs' files from; NULL: as given */
  uint64_t seed;
  const lx_media_limits *media_limits; /* NULL: the defaults */
} lx_gallery_options;

#define LX_GALLERY_ITEMS_PER_TASK 240
#define LX_GALLERY_PICTURE_SIDE   160
#define LX_GALLERY_FRAME_SIDE     96
#define LX_GALLERY_PICTURE_BYTES  (12u << 20)
#define LX_GALLERY_DEFAULTS                                                    \
  {                                                                            \
    LX_GALLERY_ITEMS_PER_TASK, LX_GALLERY_PICTURE_SIDE, LX_GALLERY_FRAME_SIDE, \
        LX_GALLERY_PICTURE_BYTES, NULL, NULL, 1, NULL                          \
  }

/* The gallery of the runs of a report model (reports/report.h). Fails, naming the file, only if
 * a run's predictions or scores cannot be read. */
int lx_gallery_build(const cJSON *report_model, const lx_gallery_options *opt, cJSON **gallery,
                     lx_error *err);

/* The gallery as an HTML section (gallery_html.c): its data and a small script that renders a
 * page of items at a time, filtered by task, category, verdict and text. */
void lx_gallery_html(const cJSON *gallery, const char *const *colours, int n_colours,
                     lx_strbuf *out);

#endif
