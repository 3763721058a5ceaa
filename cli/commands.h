/* commands.h: the subcommands of the lynxeval command line. */
#ifndef LX_CLI_COMMANDS_H
#define LX_CLI_COMMANDS_H

#include "cli/args.h"

extern const cli_command cmd_logits;
extern const cli_command cmd_info;
extern const cli_command cmd_tokenize;
extern const cli_command cmd_preprocess;
extern const cli_command cmd_generate;
extern const cli_command cmd_score;
extern const cli_command cmd_datasets;
extern const cli_command cmd_run;
extern const cli_command cmd_merge;
extern const cli_command cmd_judge;
extern const cli_command cmd_compare;
extern const cli_command cmd_power;
extern const cli_command cmd_report;
extern const cli_command cmd_human;
extern const cli_command cmd_bench;

#endif
