/* coco_caption.h: COCO-format captioning (COCO, Flickr30k, NoCaps, Karpathy split files).
 *
 * Annotations: {"images": [{"id", "file_name"}], "annotations": [{"image_id", "caption"}]}; an
 * image's references are its annotations in file order. Results: [{"image_id", "caption"}]. */
#ifndef LX_COCO_CAPTION_H
#define LX_COCO_CAPTION_H

#include "tasks/items.h"

/* Items: one per image with at least one caption; id = image id, media = media_root (may be
 * NULL) + file_name. */
int lx_coco_caption_load(const char *path, const char *media_root, lx_items *items, lx_error *err);
int lx_coco_caption_results_load(const char *path, lx_predictions *preds, lx_error *err);

#endif
