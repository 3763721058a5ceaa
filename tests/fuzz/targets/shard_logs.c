/* A sharded run's logs as the merge folds them (runs/fold.h): predictions.jsonl and a shard's
 * log, split from the input at its first NUL byte, against a task of 8 items; a duplicate row
 * must be kept once or refused, never both. The first byte picks the fold, or `--shard` parsing
 * of the input as text. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runs/fold.h"
#include "runs/shard.h"
#include "tasks/items.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *task_dir, *pred;
  static lx_items items;
  if (!task_dir) {
    task_dir = fz_path("task");
    pred = fz_path("task/predictions.jsonl");
    for (int i = 0; i < 8; i++) {
      char id[8];
      snprintf(id, sizeof id, "q%d", i);
      lx_item *it = lx_items_push(&items);
      it->id = strdup(id);
      it->source = strdup("fixture");
    }
    lx_error err;
    if (lx_items_index(&items, "item", &err)) abort();
  }
  int which = fz_pick(&data, &size, 2);
  lx_error err;
  if (which == 1) {
    char *spec = malloc(size + 1);
    memcpy(spec, data, size);
    spec[size] = '\0';
    lx_shard s;
    if (lx_shard_parse(spec, &s, &err) == LX_OK &&
        (s.count < 1 || s.index < 0 || s.index >= s.count))
      abort(); /* a parsed shard is always one of its count */
    free(spec);
    return 0;
  }
  const uint8_t *nul = memchr(data, 0, size);
  size_t first = nul ? (size_t)(nul - data) : size;
  char *shard = fz_path("task/shards/0-of-2.jsonl"); /* the fold removes the folder it folds */
  fz_write(pred, data, first);
  fz_write(shard, nul ? nul + 1 : data, nul ? size - first - 1 : 0);
  free(shard);
  lx_fold f;
  if (lx_fold_read(task_dir, &items, &f, &err) == LX_OK) {
    (void)lx_fold_missing(&f, items.n);
    (void)lx_fold_write(&f, task_dir, &err);
  }
  lx_fold_free(&f);
  return 0;
}
