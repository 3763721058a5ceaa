#include "cli/args.h"
#include "model/backend.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "model/threads.h"
#include "text/prompt.h"

const char *cli_program = "lynxeval";

void cli_error(const char *cmd, const char *fmt, ...) {
  fprintf(stderr, "%s %s: ", cli_program, cmd);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

void cli_print_help(const cli_command *cmd, const cli_opt *opts, int n_opts) {
  printf("usage: %s %s\n\n%s\n\noptions:\n", cli_program, cmd->usage, cmd->summary);
  for (int i = 0; i < n_opts; i++) {
    char left[64];
    snprintf(left, sizeof left, "%s%s%s", opts[i].name, opts[i].metavar ? " " : "",
             opts[i].metavar ? opts[i].metavar : "");
    printf("  %-22s %s\n", left, opts[i].help);
  }
  printf("  %-22s %s\n", "--help", "show this help");
  if (cmd->details) printf("\n%s\n", cmd->details);
}

/* Levenshtein distance of a[0..la) and b[0..lb), at most 64 characters each (else a large
 * number). */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb) {
  if (la > 64 || lb > 64) return 1000;
  size_t row[65];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

const char *cli_nearest(const char *word, size_t len, const char *const *candidates, int n) {
  const char *best = NULL;
  size_t best_d = (size_t)-1;
  for (int i = 0; i < n; i++) {
    size_t d = edit_distance(word, len, candidates[i], strlen(candidates[i]));
    if (d < best_d) {
      best_d = d;
      best = candidates[i];
    }
  }
  return best && best_d <= 2 && 2 * best_d < len ? best : NULL;
}

static int parse_long(const char *s, long *out) {
  if (!*s) return -1;
  errno = 0;
  char *end;
  long v = strtol(s, &end, 10);
  if (errno || *end) return -1;
  *out = v;
  return 0;
}

int cli_parse(const cli_command *cmd, int argc, char **argv, cli_opt *opts, int n_opts) {
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      cli_print_help(cmd, opts, n_opts);
      return CLI_HELP_SHOWN;
    }
    if (strncmp(arg, "--", 2) != 0) {
      cli_error(cmd->name, "unexpected argument '%s' (see %s %s --help)", arg, cli_program,
                cmd->name);
      return CLI_USAGE;
    }
    const char *eq = strchr(arg, '=');
    size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
    cli_opt *o = NULL;
    for (int k = 0; k < n_opts; k++)
      if (strlen(opts[k].name) == name_len && strncmp(opts[k].name, arg, name_len) == 0)
        o = &opts[k];
    if (!o) {
      const char *names[64];
      int n_names = 0;
      for (int k = 0; k < n_opts && n_names < 63; k++) names[n_names++] = opts[k].name;
      names[n_names++] = "--help";
      const char *near = cli_nearest(arg, name_len, names, n_names);
      if (near)
        cli_error(cmd->name, "unknown option '%.*s'; did you mean %s? (see %s %s --help)",
                  (int)name_len, arg, near, cli_program, cmd->name);
      else
        cli_error(cmd->name, "unknown option '%.*s' (see %s %s --help)", (int)name_len, arg,
                  cli_program, cmd->name);
      return CLI_USAGE;
    }
    if (o->seen) {
      cli_error(cmd->name, "option %s given twice", o->name);
      return CLI_USAGE;
    }
    o->seen = true;
    if (o->kind == CLI_FLAG) {
      if (eq) {
        cli_error(cmd->name, "option %s takes no value", o->name);
        return CLI_USAGE;
      }
      *(bool *)o->dest = true;
      continue;
    }
    const char *val;
    if (eq) {
      val = eq + 1;
    } else {
      if (i + 1 >= argc) {
        cli_error(cmd->name, "option %s needs a value (%s)", o->name, o->metavar);
        return CLI_USAGE;
      }
      val = argv[++i];
    }
    if (o->kind == CLI_STRING) {
      if (!*val) {
        cli_error(cmd->name, "option %s: empty value", o->name);
        return CLI_USAGE;
      }
      *(const char **)o->dest = val;
    } else if (o->kind == CLI_DOUBLE) {
      char *end;
      errno = 0;
      double v = strtod(val, &end);
      if (errno || *end || !*val || !isfinite(v) || v < (double)o->min || v > (double)o->max) {
        cli_error(cmd->name, "option %s: '%s' is not a number in [%ld, %ld]", o->name, val, o->min,
                  o->max);
        return CLI_USAGE;
      }
      *(double *)o->dest = v;
    } else {
      long v;
      if (parse_long(val, &v) || v < o->min || v > o->max) {
        cli_error(cmd->name, "option %s: '%s' is not an integer in [%ld, %ld]", o->name, val,
                  o->min, o->max);
        return CLI_USAGE;
      }
      *(long *)o->dest = v;
    }
  }
  return CLI_OK;
}

int cli_parse_ids(const char *cmd, const char *text, long max_id, int **ids, int *n) {
  size_t cap = 1;
  for (const char *p = text; *p; p++) cap += *p == ',';
  int *out = lx_xcalloc(cap, sizeof(int));
  int count = 0;
  const char *p = text;
  for (;;) {
    const char *start = p;
    while (*p && *p != ',') p++;
    size_t len = (size_t)(p - start);
    char item[32];
    long v;
    if (len == 0 || len >= sizeof item) {
      cli_error(cmd, "--tokens: item %d ('%.*s') is not a token id", count + 1, (int)len, start);
      free(out);
      return CLI_USAGE;
    }
    memcpy(item, start, len);
    item[len] = '\0';
    if (strcmp(item, "media") == 0) {
      for (int k = 0; k < count; k++)
        if (out[k] == LX_MEDIA_ID) {
          cli_error(cmd, "--tokens: \"media\" appears more than once");
          free(out);
          return CLI_USAGE;
        }
      out[count++] = LX_MEDIA_ID;
    } else if (parse_long(item, &v) || v < 0 || v > max_id) {
      cli_error(cmd, "--tokens: item %d ('%s') is not a token id in [0, %ld]", count + 1, item,
                max_id);
      free(out);
      return CLI_USAGE;
    } else {
      out[count++] = (int)v;
    }
    if (!*p) break;
    p++;
  }
  *ids = out;
  *n = count;
  return CLI_OK;
}

lx_backend *cli_cpu_backend(const char *cmd, long threads, const char *precision) {
  lx_matmul_precision p = LX_MATMUL_F32;
  if (precision && lx_matmul_precision_parse(precision, &p)) {
    cli_error(cmd, "--precision must be f32 or bf16, got '%s'", precision);
    return NULL;
  }
  return lx_backend_cpu_new((int)threads, p);
}
