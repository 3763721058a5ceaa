/* lynxeval tokenize: the ids the tokenizer gives a text, or the model gives a question; or
 * captions as the caption metrics tokenize them. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/unicode.h"
#include "model/model.h"
#include "text/caption_tokenizer.h"
#include "text/prompt.h"

#define MAX_CAPTION_FILE_BYTES ((size_t)1 << 30)

/* Reads captions: a JSON list of strings (a file ending in .json), else one per line. *text
 * holds the lines' storage. */
static int read_captions(const char *path, char ***captions, size_t *n, cJSON **json, char **text,
                         bool *as_json, lx_error *err) {
  *captions = NULL;
  *n = 0;
  *json = NULL;
  *text = NULL;
  size_t len = strlen(path);
  *as_json = len > 5 && strcmp(path + len - 5, ".json") == 0;
  if (*as_json) {
    if (lx_json_read_file(path, MAX_CAPTION_FILE_BYTES, json, NULL, err)) return LX_ERR;
    if (!cJSON_IsArray(*json)) return lx_errorf(err, "%s: must be a JSON list of strings", path);
    size_t k = 0, count = (size_t)cJSON_GetArraySize(*json);
    *captions = lx_xcalloc(count ? count : 1, sizeof **captions);
    const cJSON *c;
    cJSON_ArrayForEach(c, *json) {
      if (!cJSON_IsString(c)) return lx_errorf(err, "%s: item %zu is not a string", path, k);
      (*captions)[k++] = c->valuestring;
    }
    *n = k;
    return LX_OK;
  }
  size_t size;
  if (strcmp(path, "-") == 0) {
    lx_strbuf b = {0};
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, stdin)) > 0 && b.len <= MAX_CAPTION_FILE_BYTES)
      lx_strbuf_append(&b, buf, got);
    *text = lx_xstrdup(lx_strbuf_str(&b));
    size = b.len;
    lx_strbuf_free(&b);
    if (size > MAX_CAPTION_FILE_BYTES)
      return lx_errorf(err, "standard input: more than %zu bytes", MAX_CAPTION_FILE_BYTES);
  } else if (lx_read_file(path, MAX_CAPTION_FILE_BYTES, text, &size, err)) {
    return LX_ERR;
  }
  if (!lx_utf8_valid(*text, size, &len)) return lx_errorf(err, "%s: not valid UTF-8", path);
  /* lines: a final newline ends the last one; an empty file has none */
  bool empty = size == 0;
  if (size && (*text)[size - 1] == '\n') (*text)[--size] = '\0';
  size_t count = 1;
  for (size_t i = 0; i < size; i++) count += (*text)[i] == '\n';
  *captions = lx_xcalloc(count, sizeof **captions);
  char *p = *text;
  for (size_t k = 0; k < count; k++) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    (*captions)[k] = p;
    p = nl ? nl + 1 : p + strlen(p);
  }
  *n = empty ? 0 : count;
  return LX_OK;
}

static void print_rule_hits(const lx_ptb_lines *out) {
  for (size_t r = 0; r < lx_ptb_n_rules(); r++) {
    const char *look, *pattern = lx_ptb_rule_pattern(r, &look);
    fprintf(stderr, "rule %2zu %9zu  %s%s%s\n", r + 1, out->rule_hits ? out->rule_hits[r] : 0,
            pattern, look ? " / " : "", look ? look : "");
  }
}

static int run_captions(const char *path, const char *name, bool keep_punctuation,
                        bool rule_counts) {
  const char *cmd = cmd_tokenize.name;
  lx_caption_tokenizer t;
  if (!lx_caption_tokenizer_parse(name, &t)) {
    cli_error(cmd, "--caption-tokenizer: '%s' is not one of " LX_CAPTION_TOKENIZER_NAMES, name);
    return CLI_USAGE;
  }
  if ((keep_punctuation || rule_counts) && t != LX_CAPTION_PTB) {
    cli_error(cmd, "--keep-punctuation and --rule-counts apply to ptb-3.4.1 only");
    return CLI_USAGE;
  }
  lx_error err;
  char **captions, *text;
  size_t n;
  cJSON *json;
  bool as_json;
  if (read_captions(path, &captions, &n, &json, &text, &as_json, &err)) {
    cli_error(cmd, "%s", err.msg);
    free(captions);
    cJSON_Delete(json);
    free(text);
    return CLI_FAIL;
  }
  lx_ptb_lines out;
  if (keep_punctuation || rule_counts)
    lx_ptb_tokenize((const char *const *)captions, n, keep_punctuation ? LX_PTB_JAVA : LX_PTB_COCO,
                    &out);
  else
    lx_caption_tokenize(t, (const char *const *)captions, n, &out);
  if (rule_counts) print_rule_hits(&out);
  if (as_json) {
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(list, cJSON_CreateString(out.line[i]));
    char *s = cJSON_PrintUnformatted(list);
    printf("%s\n", s);
    free(s);
    cJSON_Delete(list);
  } else {
    for (size_t i = 0; i < n; i++) printf("%s\n", out.line[i]);
  }
  if (out.line_breaks)
    fprintf(stderr,
            "lynxeval tokenize: %zu line breaks inside captions (\\r, \\v, \\f, U+2028 or "
            "U+2029) were read as spaces; pycocoevalcap would give every later caption the "
            "tokens of the one before it\n",
            out.line_breaks);
  lx_ptb_lines_free(&out);
  free(captions);
  cJSON_Delete(json);
  free(text);
  return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

static int run(int argc, char **argv) {
  const char *model_dir = NULL, *text = NULL, *question = NULL, *captions = NULL,
             *caption_tokenizer = LX_PTB_NAME;
  bool pieces = false, keep_punctuation = false, rule_counts = false, text_only = false,
       instruction = false;
  cli_opt opts[] = {
      {"--model", CLI_STRING, &model_dir, "DIR", "model directory (config.json, tokenizer.model)",
       0, 0, 0},
      {"--text", CLI_STRING, &text, "TEXT", "encode TEXT as the tokenizer does (no <s> added)", 0,
       0, 0},
      {"--prompt", CLI_STRING, &question, "QUESTION",
       "the full prompt the model receives for QUESTION", 0, 0, 0},
      {"--text-only", CLI_FLAG, &text_only, NULL,
       "with --prompt: the prompt of a question without an image or video", 0, 0, 0},
      {"--pieces", CLI_FLAG, &pieces, NULL, "print pieces as well as ids", 0, 0, 0},
      {"--instruction", CLI_FLAG, &instruction, NULL,
       "with --prompt: also the ids the media encoder reads (InstructBLIP's Q-Former)", 0, 0, 0},
      {"--captions", CLI_STRING, &captions, "FILE",
       "tokenize captions as the caption metrics do: a JSON list of strings (FILE.json) or one "
       "caption per line (- reads standard input)",
       0, 0, 0},
      {"--caption-tokenizer", CLI_STRING, &caption_tokenizer, "NAME",
       "with --captions: " LX_CAPTION_TOKENIZER_NAMES " (default ptb-3.4.1)", 0, 0, 0},
      {"--keep-punctuation", CLI_FLAG, &keep_punctuation, NULL,
       "with --captions: the Java tokenizer's own output, before pycocoevalcap drops "
       "punctuation",
       0, 0, 0},
      {"--rule-counts", CLI_FLAG, &rule_counts, NULL,
       "with --captions: how often each rule of the PTB lexer matched, on standard error", 0, 0, 0},
  };
  int rc = cli_parse(&cmd_tokenize, argc, argv, opts, (int)(sizeof opts / sizeof opts[0]));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  const char *name = cmd_tokenize.name;
  if (captions) {
    if (model_dir || text || question || pieces) {
      cli_error(name, "--captions takes no --model, --text, --prompt or --pieces");
      return CLI_USAGE;
    }
    return run_captions(captions, caption_tokenizer, keep_punctuation, rule_counts);
  }
  if (!model_dir || !text == !question) {
    cli_error(name, "give --model and exactly one of --text and --prompt");
    return CLI_USAGE;
  }
  lx_error err;
  lx_model *m = NULL;
  rc = lx_model_open(model_dir, LX_LOAD_TOKENIZER, NULL, &m, &err);
  lx_ints ids = {0};
  int dropped = 0;
  const bool with_media = !text_only;
  if (rc == LX_OK)
    rc = text ? lx_tokenizer_tokenize(m->tokenizer, text, strlen(text), &ids, &err)
              : lx_model_prompt_ids(m, NULL, question, with_media, &ids, &dropped, &err);
  if (rc != LX_OK) {
    cli_error(name, "%s", err.msg);
    lx_model_free(m);
    return CLI_FAIL;
  }
  const lx_tokenizer *tok = m->tokenizer;
  for (int i = 0; i < ids.len; i++) printf(i ? ",%d" : "%d", ids.v[i]);
  printf("\n");
  if (pieces) {
    for (int i = 0; i < ids.len; i++)
      printf(i ? " %s" : "%s",
             ids.v[i] == LX_MEDIA_ID ? "<media>" : lx_tokenizer_piece(tok, ids.v[i]));
    printf("\n");
  }
  lx_ints qids = {0};
  lx_strbuf ptext = {0};
  if (instruction && question) {
    if (lx_model_prompt_text(m, NULL, question, with_media, &ptext, &err) ||
        lx_model_instruction_ids(m, lx_strbuf_str(&ptext), &qids, &err)) {
      cli_error(name, "%s", err.msg);
      rc = CLI_FAIL;
    } else {
      for (int i = 0; i < qids.len; i++) printf(i ? ",%d" : "%d", qids.v[i]);
      printf("\n");
    }
  } else if (instruction) {
    cli_error(name, "--instruction needs --prompt");
    rc = CLI_USAGE;
  }
  lx_ints_free(&qids);
  lx_strbuf_free(&ptext);
  if (dropped > 0)
    fprintf(stderr,
            "lynxeval tokenize: the prompt had %d ids; the first %d were dropped "
            "(max_input_tokens %d, as the reference does)\n",
            ids.len + dropped, dropped, m->cfg.prompt.max_input_tokens);
  lx_ints_free(&ids);
  lx_model_free(m);
  return rc;
}

const cli_command cmd_tokenize = {
    "tokenize",
    "token ids of a text or of a model's prompt; captions as the caption metrics see them",
    "tokenize --model DIR (--text TEXT | --prompt QUESTION [--text-only] [--instruction])\n"
    "       [--pieces]\n"
    "       tokenize --captions FILE [--caption-tokenizer NAME] [--keep-punctuation]\n"
    "                [--rule-counts]",
    "--text encodes TEXT as the reference's tokenizer does (Hugging Face's slow LLaMA tokenizer:\n"
    "special tokens such as <s> are recognized, nothing is added). --prompt builds the model's\n"
    "input: the config's template filled with QUESTION, stripped, lowercased if configured,\n"
    "<s> prepended, and only the last max_input_tokens ids kept. A model whose template has a\n"
    "media marker (LLaVA's <image>) has the text on each side of it tokenized on its own and\n"
    "-200 (piece <media>) where the image goes; --text-only builds the prompt of a question\n"
    "without one. --instruction prints, on a line of its own after the prompt's (and its\n"
    "pieces), the ids a model's media encoder reads for that prompt text: InstructBLIP's\n"
    "Q-Former tokenizes it with BERT WordPiece (qformer_vocab.txt) into [CLS] ... [SEP], the\n"
    "last 128 kept.\n\n"
    "--captions writes each caption as pycocoevalcap's PTBTokenizer.tokenize() returns it (one\n"
    "call on all of them, in file order: Stanford CoreNLP 3.4.1's PTBTokenizer with\n"
    "-preserveLines -lowerCase, then the punctuation tokens dropped), in the input's format:\n"
    "a JSON list, or one line per caption. No Java is involved; the tokenizer is lynxeval's own\n"
    "exact reproduction. A caption's last token can depend on the next caption's first\n"
    "characters, as there.",
    run,
};
