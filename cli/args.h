/* args.h: command-line option parsing for lynxeval's subcommands.
 *
 * Each command declares a table of options; cli_parse fills them from argv ("--name value" or
 * "--name=value"), rejects unknown options, missing values and malformed numbers with a message
 * naming the option, and handles --help. Exit codes: 0 ok, 2 usage error.
 */
#ifndef LX_CLI_ARGS_H
#define LX_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "media/image.h"
#include "model/backend.h"

typedef enum cli_kind { CLI_STRING, CLI_INT, CLI_FLAG, CLI_DOUBLE } cli_kind;

typedef struct cli_opt {
  const char *name; /* "--model" */
  cli_kind kind;
  void *dest;          /* const char ** | long * | bool * | double * */
  const char *metavar; /* "DIR" (NULL for flags) */
  const char *help;
  long min, max; /* CLI_INT range */
  bool seen;     /* set by cli_parse */
} cli_opt;

typedef struct cli_command {
  const char *name;
  const char *summary; /* one line for `lynxeval help` */
  const char *usage;   /* the synopsis after "lynxeval " */
  const char *details; /* paragraphs printed after the options by --help (may be NULL) */
  int (*run)(int argc, char **argv);
} cli_command;

/* Exit statuses: 0 done; 1 failed (bad input, a file problem); 2 usage (a flag or a name);
 * 3 a gate tripped (compare --fail-on-regression, bench compare --fail-on-slower), so a CI
 * script can tell a regression from a broken invocation. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2, CLI_GATE = 3, CLI_HELP_SHOWN = -1 };

/* Parses argv[1..] (argv[0] is the command name). Returns CLI_OK, CLI_USAGE after printing the
 * problem, or CLI_HELP_SHOWN after printing help for --help. */
int cli_parse(const cli_command *cmd, int argc, char **argv, cli_opt *opts, int n_opts);

void cli_print_help(const cli_command *cmd, const cli_opt *opts, int n_opts);

/* The candidate closest to `word` by edit distance, if it is close enough to be the one meant (at
 * most 2 edits, and fewer than half the word), else NULL. For "did you mean" hints. */
const char *cli_nearest(const char *word, size_t len, const char *const *candidates, int n);

/* The program's name in messages and usage lines: "lynxeval" (lynxeval-mpi sets its own). */
extern const char *cli_program;

/* Prints "lynxeval CMD: message" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses "1,306,29871" into a heap array of ints in [0, max_id]; errors name the bad item. The
 * word "media" (at most once) becomes LX_MEDIA_ID (text/prompt.h): where the media go. */
int cli_parse_ids(const char *cmd, const char *text, long max_id, int **ids, int *n);

/* The CPU backend (backend.h) for --threads (0: the default) and --precision ("f32" or "bf16";
 * NULL: f32). NULL after printing the problem for another precision (a usage error). */
lx_backend *cli_cpu_backend(const char *cmd, long threads, const char *precision);

/* The --precision option's help. */
#define CLI_PRECISION_HELP                                                                \
  "products with bf16 weights: f32 (default: exact weights, float32 arithmetic) or bf16 " \
  "(activations rounded to bf16, about 2x faster where the CPU has AVX512-BF16)"

/* The flags that raise the media limits (media/image.h, docs/limits.md), filling lim, which
 * starts as LX_MEDIA_LIMITS_DEFAULT. */
#define CLI_MEDIA_LIMIT_OPTS(lim)                                                            \
  {"--max-pixels",                                                                           \
   CLI_INT,                                                                                  \
   &(lim).max_pixels,                                                                        \
   "N",                                                                                      \
   "most pixels in one image or video frame (default 89478485)",                             \
   1,                                                                                        \
   LX_MEDIA_MAX_PIXELS_CEILING,                                                              \
   0},                                                                                       \
      {"--max-media-bytes",                                                                  \
       CLI_INT,                                                                              \
       &(lim).max_file_bytes,                                                                \
       "N",                                                                                  \
       "largest image file or frames JSON, in bytes (default 268435456)",                    \
       1,                                                                                    \
       LX_MEDIA_MAX_BYTES_CEILING,                                                           \
       0},                                                                                   \
      {"--max-video-frames",                                                                 \
       CLI_INT,                                                                              \
       &(lim).max_frames,                                                                    \
       "N",                                                                                  \
       "most source frames in one video (default 100000)",                                   \
       1,                                                                                    \
       LX_MEDIA_MAX_FRAMES_CEILING,                                                          \
       0},                                                                                   \
  {                                                                                          \
    "--max-video-pixels", CLI_INT, &(lim).max_video_pixels, "N",                             \
        "most pixels decoded for one video, all frames and passes (default 17179869184)", 1, \
        LX_MEDIA_MAX_VIDEO_PIXELS_CEILING, 0                                                 \
  }

#endif
