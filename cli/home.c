#include "cli/home.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"

#ifndef LYNXEVAL_SOURCE_DIR
#define LYNXEVAL_SOURCE_DIR ""
#endif

#define MARKER "checkpoints/lynx-world-pt/config.json"

static bool is_home(const char *dir) {
  char *path = lx_path_join(dir, MARKER);
  struct stat st;
  bool yes = stat(path, &st) == 0;
  free(path);
  return yes;
}

char *lx_home_dir(void) {
  const char *env = getenv("LYNXEVAL_HOME");
  if (env && *env && is_home(env)) return lx_xstrdup(env);
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    char *installed = lx_path_join(exe, "../share/lynxeval");
    if (is_home(installed)) return installed;
    free(installed);
    char *candidate = lx_xstrdup(exe);
    for (int up = 0; up <= 3; up++) {
      if (is_home(candidate)) return candidate;
      char *parent = lx_path_join(candidate, "..");
      free(candidate);
      candidate = parent;
    }
    free(candidate);
  }
  if (LYNXEVAL_SOURCE_DIR[0] && is_home(LYNXEVAL_SOURCE_DIR))
    return lx_xstrdup(LYNXEVAL_SOURCE_DIR);
  return NULL;
}
