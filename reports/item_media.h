/* item_media.h: what a prediction row asked about, as pictures for people to look at (the human
 * evaluation package, the report's gallery).
 *
 * Images: the whole picture (a file in the data directory, or MMBench's base64 text inside its
 * annotation file). Videos: the source frames the model saw, by the frame ids its prediction
 * recorded, whole (a person sees what the crop left out too). Each picture is shrunk to at most
 * max_side pixels on its longer side (never enlarged). */
#ifndef LX_ITEM_MEDIA_H
#define LX_ITEM_MEDIA_H

#include <cJSON.h>

#include "common/error.h"
#include "media/image.h"

/* *pics (heap, *n of them; 0 if the row names no media) receives the pictures of a prediction row
 * ({"media", optional "media_offset"/"media_length", optional "frames"}) whose media paths are
 * relative to data_dir. Fails, naming the file, if the media cannot be read. */
int lx_item_pictures(const cJSON *row, const char *data_dir, const lx_media_limits *lim,
                     int max_side, lx_image **pics, int *n, lx_error *err);
void lx_item_pictures_free(lx_image *pics, int n);

/* The key that names a row's media among a task's items: the path, with "@offset" for an image
 * held inside an annotation file; "" if the row names none. Heap string. */
char *lx_item_media_key(const cJSON *row);

#endif
