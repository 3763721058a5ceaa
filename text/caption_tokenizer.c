#include "text/caption_tokenizer.h"

#include <string.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "text/ptb_approx.h"

const char *lx_caption_tokenizer_name(lx_caption_tokenizer t) {
  switch (t) {
    case LX_CAPTION_PTB:
      return LX_PTB_NAME;
    case LX_CAPTION_PTB_APPROX:
      return LX_PTB_APPROX_NAME;
    case LX_CAPTION_PRETOKENIZED:
      return "none";
  }
  return "?";
}

bool lx_caption_tokenizer_parse(const char *name, lx_caption_tokenizer *t) {
  for (int k = LX_CAPTION_PTB; k <= LX_CAPTION_PRETOKENIZED; k++)
    if (strcmp(name, lx_caption_tokenizer_name((lx_caption_tokenizer)k)) == 0) {
      *t = (lx_caption_tokenizer)k;
      return true;
    }
  return false;
}

const char *lx_caption_tokenizer_note(lx_caption_tokenizer t) {
  switch (t) {
    case LX_CAPTION_PTB:
      return LX_PTB_NAME
          " (Stanford PTBTokenizer 3.4.1 as pycocoevalcap runs it, "
          "reproduced exactly: scores equal pycocoevalcap's)";
    case LX_CAPTION_PTB_APPROX:
      return LX_PTB_APPROX_NAME
          " (an approximation of PTBTokenizer 3.4.1: scores are close "
          "to, not exactly, pycocoevalcap's)";
    case LX_CAPTION_PRETOKENIZED:
      return "none (input is pre-tokenized; scores are exact)";
  }
  return "?";
}

void lx_caption_tokenize(lx_caption_tokenizer t, const char *const *captions, size_t n,
                         lx_ptb_lines *out) {
  if (t == LX_CAPTION_PTB) {
    lx_ptb_tokenize(captions, n, LX_PTB_COCO, out);
    return;
  }
  memset(out, 0, sizeof *out);
  out->n = n;
  out->line = lx_xcalloc(n ? n : 1, sizeof *out->line);
  for (size_t i = 0; i < n; i++) {
    if (t == LX_CAPTION_PRETOKENIZED) {
      out->line[i] = lx_xstrdup(captions[i]);
      continue;
    }
    lx_strbuf b = {0};
    lx_ptb_approx_tokenize(captions[i], &b);
    out->line[i] = lx_xstrdup(lx_strbuf_str(&b));
    lx_strbuf_free(&b);
  }
}
