/* lynxeval tokenize: the ids the tokenizer gives a text, or the model gives a question. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/fileio.h"
#include "model/lynx.h"
#include "model/prompt.h"

static int run(int argc, char **argv) {
  const char *model_dir = NULL, *text = NULL, *question = NULL;
  bool pieces = false;
  cli_opt opts[] = {
      {"--model", CLI_STRING, &model_dir, "DIR", "model directory (config.json, tokenizer.model)",
       0, 0, 0},
      {"--text", CLI_STRING, &text, "TEXT", "encode TEXT as the tokenizer does (no <s> added)", 0,
       0, 0},
      {"--prompt", CLI_STRING, &question, "QUESTION",
       "the full prompt the model receives for QUESTION", 0, 0, 0},
      {"--pieces", CLI_FLAG, &pieces, NULL, "print pieces as well as ids", 0, 0, 0},
  };
  int rc = cli_parse(&cmd_tokenize, argc, argv, opts, (int)(sizeof opts / sizeof opts[0]));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  const char *name = cmd_tokenize.name;
  if (!model_dir || !text == !question) {
    cli_error(name, "give --model and exactly one of --text and --prompt");
    return CLI_USAGE;
  }
  lx_error err;
  lx_config cfg;
  rc = lx_config_load_dir(model_dir, &cfg, &err);
  lx_tokenizer *tok = NULL;
  if (rc == LX_OK) rc = lx_tokenizer_load_for(model_dir, &cfg, &tok, &err);
  lx_ints ids = {0};
  int dropped = 0;
  if (rc == LX_OK)
    rc = text ? lx_tokenizer_tokenize(tok, text, strlen(text), &ids, &err)
              : lx_prompt_ids(tok, &cfg.prompt, cfg.llm.bos_id, question, &ids, &dropped, &err);
  if (rc != LX_OK) {
    cli_error(name, "%s", err.msg);
    lx_tokenizer_free(tok);
    return CLI_FAIL;
  }
  for (int i = 0; i < ids.len; i++) printf(i ? ",%d" : "%d", ids.v[i]);
  printf("\n");
  if (pieces) {
    for (int i = 0; i < ids.len; i++) printf(i ? " %s" : "%s", lx_tokenizer_piece(tok, ids.v[i]));
    printf("\n");
  }
  if (dropped > 0)
    fprintf(stderr,
            "lynxeval tokenize: the prompt had %d ids; the first %d were dropped "
            "(max_input_tokens %d, as the reference does)\n",
            ids.len + dropped, dropped, cfg.prompt.max_input_tokens);
  lx_ints_free(&ids);
  lx_tokenizer_free(tok);
  return 0;
}

const cli_command cmd_tokenize = {
    "tokenize",
    "print the token ids of a text, or of a question as the model receives it",
    "tokenize --model DIR (--text TEXT | --prompt QUESTION) [--pieces]",
    "--text encodes TEXT as the reference's tokenizer does (Hugging Face's slow LLaMA tokenizer:\n"
    "special tokens such as <s> are recognized, nothing is added). --prompt builds the model's\n"
    "input: the config's template filled with QUESTION, stripped, lowercased if configured,\n"
    "<s> prepended, and only the last max_input_tokens ids kept.",
    run,
};
