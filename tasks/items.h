/* items.h: what a benchmark is made of, in one shape for every task: items (a question or an
 * image to caption, with its references) and the predictions made for them.
 *
 * Task adapters (one file per benchmark in tasks/) read each benchmark's own files into lx_items;
 * the run loop turns items into predictions; the scorers compare predictions with the items'
 * references. All strings are heap copies owned by the containing array. */
#ifndef LX_ITEMS_H
#define LX_ITEMS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/json_stream.h"

typedef struct lx_item {
  char *id;       /* unique within the task: question_id, image id, Open-VQA index (as text) */
  char *media;    /* image or video path relative to the data directory; NULL if none */
  bool video;     /* media is a video (file, frame directory or base64 JSON list) */
  char *question; /* NULL for captioning */
  char **refs;    /* [n_refs] reference answers or captions */
  size_t n_refs;
  char *category;    /* Open-VQA class, VQA answer type, MME subtask; NULL if none */
  char *subcategory; /* VQA question type, Open-VQA origin dataset; NULL if none */
  char *context;     /* for the judge: LLaVA-Bench's caption, MMBench's question; or NULL */
  /* GQA: the group whose answer distribution the item counts in (its "global" group; NULL if
   * none), and the reasoning steps of its program as eval.py counts them */
  char *answer_group;
  int steps;
  char *source; /* "FILE:LINE" the item was read from, for messages */
  /* An image held as base64 text inside the file `media` (MMBench's TSV) rather than a file of its
   * own: media_length > 0 bytes from byte media_offset. 0: media is the image or video itself. */
  long long media_offset;
  size_t media_length;
} lx_item;

typedef struct lx_items {
  lx_item *v;
  size_t n, cap;
  size_t *order; /* ids sorted (indices into v), built by lx_items_index */
} lx_items;

/* Appends a zeroed item and returns it. */
lx_item *lx_items_push(lx_items *items);
void lx_item_add_ref(lx_item *item, const char *ref);
/* Frees one item's strings (an item not in an array, or one taken out of it). */
void lx_item_free(lx_item *item);
void lx_items_free(lx_items *items);
/* Keeps the first n items (frees the rest) and re-indexes them if they were indexed. */
void lx_items_truncate(lx_items *items, size_t n);
/* Reads a file whose top level is an object of questions by id (GQA's, MM-Vet's): item_fn is
 * called with each member's id, value and "FILE:LINE", in file order, to push its items. */
int lx_items_read_members(const char *path, size_t max_bytes,
                          int (*item_fn)(const char *id, const cJSON *value, const char *source,
                                         lx_items *items, lx_error *err),
                          lx_items *items, lx_error *err);

/* Sorts the ids for lookup; fails naming both places if an id occurs twice. */
int lx_items_index(lx_items *items, const char *what, lx_error *err);
/* Index of the item with this id, or -1 (after lx_items_index). */
long lx_items_find(const lx_items *items, const char *id);

typedef struct lx_prediction {
  char *id;     /* the item it answers */
  char *text;   /* the model's answer or caption */
  char *source; /* "FILE:LINE", for messages */
} lx_prediction;

typedef struct lx_predictions {
  lx_prediction *v;
  size_t n, cap;
} lx_predictions;

lx_prediction *lx_predictions_push(lx_predictions *p, const char *id, const char *text,
                                   const char *source);
void lx_predictions_free(lx_predictions *p);
/* Appends to *kept (in order) the predictions of p that answer an item of items (indexed): a
 * run's log can hold answers past the items scored (a block decoded beyond --limit). */
void lx_predictions_keep_items(const lx_predictions *p, const lx_items *items,
                               lx_predictions *kept);

/* Reads a results file that is a JSON list of objects {id_key: integer or string, text_key:
 * string} (VQAv2's and COCO's results format) into preds, naming file and line on a problem. */
int lx_predictions_load_json_list(const char *path, const char *id_key, const char *text_key,
                                  lx_predictions *preds, lx_error *err);

/* Reads a results file of JSON Lines {id_key: integer or string, text_key: string} (LLaVA's
 * answer files, {"question_id", "text"}), naming file and line on a problem. */
int lx_predictions_load_jsonl(const char *path, const char *id_key, const char *text_key,
                              lx_predictions *preds, lx_error *err);

/* Reads JSON Lines of questions {id_key, "image", text_key[, category_key]} (OwlEval's and
 * LLaVA-Bench's files): id, media = media_root + image, question, category, and the image name
 * in subcategory. */
int lx_items_load_jsonl_questions(const char *path, const char *id_key, const char *text_key,
                                  const char *category_key, const char *media_root, lx_items *items,
                                  lx_error *err);

/* Pairs predictions with items: at[i] = index of the item prediction i answers. Fails, naming the
 * prediction's file and line, on an id that is not an item or that occurs twice; when
 * need_all, also when some item has no prediction (naming the first and the count). at is a heap
 * array the caller frees. */
int lx_predictions_match(const lx_predictions *p, const lx_items *items, bool need_all, size_t **at,
                         lx_error *err);

/* Checks that a media path from an annotation file stays inside the data directory: relative,
 * no ".." component, no empty name. source names the annotation for the message. */
int lx_check_media_path(const char *path, const char *source, lx_error *err);

/* Checks, before any is read, that the media of the first n items are there under data_dir:
 * an image a regular file, a video a regular file or a frame directory. Fails naming the item,
 * the annotation line and what is wrong, so that a run is refused before it writes anything. */
int lx_items_check_media(const lx_items *items, size_t n, const char *data_dir, lx_error *err);

/* root + name as a heap string (root may be NULL; it ends with '/' when it is a folder). */
char *lx_media_path_join(const char *root, const char *name);

/* "FILE:LINE" as a heap string ("FILE" alone when line is 0). */
char *lx_source_at(const char *file, int line);
/* The same for an entry of a JSON document: "FILE:LINE", or "FILE:LINE:COLUMN" when the entry
 * shares its line with others (a file written on one line). */
char *lx_source_at_place(const char *file, lx_json_place at);

#endif
