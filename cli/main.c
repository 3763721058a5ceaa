/* lynxeval: the command-line entry. Parses the subcommand and hands over; every subcommand turns
 * errors into a message on stderr and a non-zero exit status. */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "lynxeval_commit.h"

#ifndef LYNXEVAL_VERSION
#define LYNXEVAL_VERSION "unknown"
#endif

static const cli_command *const commands[] = {
    &cmd_run,    &cmd_merge,    &cmd_score,      &cmd_judge,    &cmd_compare,
    &cmd_power,  &cmd_report,   &cmd_human,      &cmd_datasets, &cmd_generate,
    &cmd_logits, &cmd_tokenize, &cmd_preprocess, &cmd_info,     &cmd_bench};
static const int n_commands = (int)(sizeof commands / sizeof commands[0]);

static void usage(FILE *f) {
  fprintf(
      f,
      "usage: lynxeval <command> [options]\n\n"
      "lynxeval runs Lynx-style multimodal models (EVA ViT -> Perceiver resampler -> LLaMA with\n"
      "adapters, or the cross-attention variant) on the CPU.\n\ncommands:\n");
  for (int i = 0; i < n_commands; i++)
    fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
  fprintf(
      f,
      "  %-10s %s\n\n"
      "Run 'lynxeval <command> --help' for a command's options.\n\n"
      "Environment:\n"
      "  LYNXEVAL_THREADS  default thread count (else the cores this process may use: its\n"
      "                    CPU affinity, as mpirun, srun or taskset bind it; --threads\n"
      "                    overrides it)\n"
      "  LYNXEVAL_HOME     the folder holding datasets/world and checkpoints (the embedded\n"
      "                    default's; else found beside the binary)\n"
      "  LYNXEVAL_CPU      portable: use the portable kernels even where AVX-512 is there\n"
      "  TMPDIR            where score caption's external scorer gets its temporary file\n"
      "  LYNXEVAL_TEST_FAULT  for tests only: OP:N:ERR makes the N-th write, fsync or rename\n"
      "                    fail (docs/testing.md)\n"
      "  LYNXEVAL_TEST_SLEEP_MS  for tests only: every item of a run takes this many ms longer\n"
      "  (judge call reads its API key from the variable --api-key-env names)\n",
      "help", "show help for a command");
}

static void unknown_command(const char *name) {
  const char *names[32];
  int n = 0;
  for (int i = 0; i < n_commands && n < 31; i++) names[n++] = commands[i]->name;
  names[n++] = "help";
  const char *near = cli_nearest(name, strlen(name), names, n);
  if (near)
    fprintf(stderr, "lynxeval: unknown command '%s'; did you mean %s?\n", name, near);
  else
    fprintf(stderr, "lynxeval: unknown command '%s'\n", name);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *name = argv[1];
  if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
    printf("lynxeval %s (commit %s)\n", LYNXEVAL_VERSION, LYNXEVAL_COMMIT);
    return 0;
  }
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
    if (strcmp(name, "help") == 0 && argc > 2) {
      for (int i = 0; i < n_commands; i++)
        if (strcmp(argv[2], commands[i]->name) == 0) {
          char *help_argv[] = {argv[2], "--help", NULL};
          return commands[i]->run(2, help_argv);
        }
      unknown_command(argv[2]);
      return 2;
    }
    usage(stdout);
    return 0;
  }
  for (int i = 0; i < n_commands; i++)
    if (strcmp(name, commands[i]->name) == 0) return commands[i]->run(argc - 1, argv + 1);
  unknown_command(name);
  fputc('\n', stderr);
  usage(stderr);
  return 2;
}
