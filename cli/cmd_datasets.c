/* lynxeval datasets: the dataset registry (datasets.txt, compiled in), and a check of a local copy
 * against it: which annotation files are missing or differ, which media files are absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "common/fileio.h"
#include "common/sha256.h"
#include "tasks/task.h"

#define N_OPTS(a)           ((int)(sizeof(a) / sizeof((a)[0])))
#define MEDIA_MISSING_SHOWN 10 /* missing media files named before "and N more" */

static const char *const NAME = "datasets";

static void print_entry(const lx_dataset *d) {
  printf("[%s]\n  task:     %s\n  title:    %s\n", d->name, d->task, d->title);
  if (d->items == LX_ITEMS_UNRECORDED)
    printf("  items:    unrecorded (the count could not be checked when the entry was written)\n");
  else
    printf("  items:    %ld\n", d->items);
  for (int k = 0; k < d->n_files; k++) {
    printf("  file:     %s", d->files[k].path);
    if (d->files[k].sha256[0]) printf("  sha256 %s", d->files[k].sha256);
    if (d->files[k].bytes >= 0) printf("  %lld bytes", d->files[k].bytes);
    printf("\n");
  }
  printf("  media:    %s\n", d->media);
  if (d->media_root) printf("  under:    %s\n", d->media_root);
  printf("  license:  %s\n  cite:     %s\n", d->license, d->citation);
  for (int k = 0; k < d->n_notes; k++) printf("  note:     %s\n", d->notes[k]);
}

static bool exists(const char *path, bool *is_dir) {
  struct stat st;
  if (stat(path, &st) != 0) return false;
  *is_dir = S_ISDIR(st.st_mode);
  return true;
}

/* Checks one dataset under data_dir; prints a line per problem and returns the problem count. */
static int check(const lx_dataset *d, const lx_registry *reg, const char *data_dir, bool media) {
  int problems = 0;
  lx_error err;
  for (int k = 0; k < d->n_files; k++) {
    const lx_dataset_file *f = &d->files[k];
    char *p = lx_path_join(data_dir, f->path);
    bool is_dir = false, want_dir = f->path[strlen(f->path) - 1] == '/';
    if (!exists(p, &is_dir)) {
      printf("missing   %s\n", f->path);
      problems++;
    } else if (is_dir != want_dir) {
      printf("wrong     %s (a %s, expected a %s)\n", f->path, is_dir ? "directory" : "file",
             want_dir ? "directory" : "file");
      problems++;
    } else if (want_dir) {
      printf("present   %s\n", f->path);
    } else {
      char hex[65];
      long long bytes;
      if (lx_sha256_file(p, hex, &bytes, &err)) {
        printf("unreadable %s: %s\n", f->path, err.msg);
        problems++;
      } else if (f->bytes >= 0 && bytes != f->bytes) {
        printf("differs   %s: %lld bytes, registered %lld\n", f->path, bytes, f->bytes);
        problems++;
      } else if (f->sha256[0] && strcmp(hex, f->sha256) != 0) {
        printf("differs   %s: sha256 %s, registered %s\n", f->path, hex, f->sha256);
        problems++;
      } else if (!f->sha256[0]) {
        printf("present   %s (sha256 %s; no registered digest to compare with)\n", f->path, hex);
      } else {
        printf("ok        %s\n", f->path);
      }
    }
    free(p);
  }
  if (problems || !media) return problems;
  const lx_task *t = lx_task_find(d->task);
  lx_items items = {0};
  if (!t || lx_task_load(t, reg, d->name, data_dir, &items, &err)) {
    printf("unreadable annotations: %s\n", t ? err.msg : "no task adapter");
    lx_items_free(&items);
    return problems + 1;
  }
  size_t missing = 0;
  for (size_t i = 0; i < items.n; i++) {
    if (!items.v[i].media) continue;
    char *p = lx_path_join(data_dir, items.v[i].media);
    bool is_dir;
    if (!exists(p, &is_dir)) {
      if (missing < MEDIA_MISSING_SHOWN)
        printf("missing   %s (%s)\n", items.v[i].media, items.v[i].source);
      missing++;
    }
    free(p);
  }
  if (missing > MEDIA_MISSING_SHOWN)
    printf("missing   ... and %zu more media files\n", missing - MEDIA_MISSING_SHOWN);
  printf("%s media: %zu of %zu items have their file\n", missing ? "incomplete" : "complete",
         items.n - missing, items.n);
  if (d->items >= 0 && (long)items.n != d->items) {
    printf("differs   %zu items, registered %ld\n", items.n, d->items);
    problems++;
  }
  lx_items_free(&items);
  return problems + (missing > 0);
}

static int run(int argc, char **argv) {
  const char *data_dir = NULL;
  bool no_media = false;
  cli_opt opts[] = {
      {"--data", CLI_STRING, &data_dir, "DIR", "check: the local copy of the dataset", 0, 0, 0},
      {"--no-media", CLI_FLAG, &no_media, NULL,
       "check: annotation files only, not every image or video", 0, 0, 0},
  };
  /* positional words first: [list] | show NAME | check NAME */
  const char *verb = argc > 1 && argv[1][0] != '-' ? argv[1] : "list";
  int shift = argc > 1 && argv[1][0] != '-' ? 1 : 0;
  const char *dataset = argc > 2 && shift && argv[2][0] != '-' ? argv[2] : NULL;
  if (dataset) shift = 2;
  argv[shift] = argv[0];
  int rc = cli_parse(&cmd_datasets, argc - shift, argv + shift, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  lx_registry reg;
  lx_error err;
  if (lx_registry_builtin(&reg, &err)) {
    cli_error(NAME, "%s", err.msg);
    return CLI_FAIL;
  }
  if (!strcmp(verb, "list")) {
    printf("%-26s %-15s %8s  %s\n", "dataset", "task", "items", "title");
    for (size_t i = 0; i < reg.n; i++)
      if (reg.v[i].items == LX_ITEMS_UNRECORDED)
        printf("%-26s %-15s %8s  %s\n", reg.v[i].name, reg.v[i].task, "?", reg.v[i].title);
      else
        printf("%-26s %-15s %8ld  %s\n", reg.v[i].name, reg.v[i].task, reg.v[i].items,
               reg.v[i].title);
    printf("\n'lynxeval datasets show NAME' gives the files, sources, license and citation.\n");
    lx_registry_free(&reg);
    return 0;
  }
  if (strcmp(verb, "show") != 0 && strcmp(verb, "check") != 0) {
    cli_error(NAME, "unknown action '%s' (list, show NAME, check NAME --data DIR)", verb);
    lx_registry_free(&reg);
    return CLI_USAGE;
  }
  const lx_dataset *d = dataset ? lx_registry_find(&reg, dataset) : NULL;
  if (!d) {
    cli_error(NAME,
              dataset ? "no dataset '%s' (see 'lynxeval datasets')" : "%s needs a dataset name",
              dataset ? dataset : verb);
    lx_registry_free(&reg);
    return CLI_USAGE;
  }
  if (!strcmp(verb, "show")) {
    print_entry(d);
    lx_registry_free(&reg);
    return 0;
  }
  if (!data_dir) {
    cli_error(NAME, "check needs --data DIR");
    lx_registry_free(&reg);
    return CLI_USAGE;
  }
  char *root = lx_dataset_root(data_dir, d); /* DIR/<dataset> when it exists, as run does */
  int problems = check(d, &reg, root, !no_media);
  free(root);
  printf("%s: %s\n", d->name, problems ? "problems found (see above)" : "complete");
  lx_registry_free(&reg);
  return problems ? CLI_FAIL : 0;
}

const cli_command cmd_datasets = {
    "datasets",
    "list the supported datasets, or check a local copy of one",
    "datasets [list] | datasets show NAME | datasets check NAME --data DIR [--no-media]",
    "The registry (datasets.txt) names every dataset lynxeval runs, with its annotation files\n"
    "(and their sha256 where published), where the media come from, item counts, license and\n"
    "citation. check reads DIR (or DIR/<dataset> if it exists, as run does) as the dataset's\n"
    "root: each annotation file must be there (and\n"
    "match its registered size and digest), then every image or video the annotations name.\n"
    "Exit status 1 when anything is missing or differs.",
    run,
};
