/* registry.h: datasets.txt, the registry of every dataset lynxeval runs, parsed.
 *
 * The text is compiled into the binary (cmake/embed.cmake), so `lynxeval datasets` and the task
 * adapters read the same entries; lx_registry_parse also reads any other copy (tests). */
#ifndef LX_REGISTRY_H
#define LX_REGISTRY_H

#include <stddef.h>

#include "common/error.h"

#define LX_REGISTRY_MAX_FILES 16
#define LX_REGISTRY_MAX_NOTES 8

typedef struct lx_dataset_file {
  char *path;      /* relative to the data directory; a trailing '/' names a directory */
  char sha256[65]; /* lowercase hex, "" when not registered */
  long long bytes; /* -1 when not registered */
} lx_dataset_file;

#define LX_ITEMS_UNRECORDED (-2L)

typedef struct lx_dataset {
  char *name, *task, *title, *media, *media_root, *license, *citation;
  long items; /* LX_ITEMS_UNRECORDED: the count could not be checked when the entry was written */
  lx_dataset_file files[LX_REGISTRY_MAX_FILES];
  int n_files;
  char *notes[LX_REGISTRY_MAX_NOTES];
  int n_notes;
} lx_dataset;

typedef struct lx_registry {
  lx_dataset *v;
  size_t n;
} lx_registry;

/* Parses registry text; `origin` names it in messages ("datasets.txt:12: ..."). */
int lx_registry_parse(const char *text, size_t len, const char *origin, lx_registry *out,
                      lx_error *err);
/* The registry compiled into lynxeval. */
int lx_registry_builtin(lx_registry *out, lx_error *err);
void lx_registry_free(lx_registry *r);
const lx_dataset *lx_registry_find(const lx_registry *r, const char *name);

/* Where a dataset's files are under a data root: ROOT/<dataset name> when that folder exists
 * (several datasets under one root), else ROOT itself. Heap string. */
char *lx_dataset_root(const char *root, const lx_dataset *d);

#endif
