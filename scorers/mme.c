#include "scorers/mme.h"

#include <string.h>

#include "common/strbuf.h"
#include "common/unicode.h"

/* How many leading characters the script searches for "yes" and "no" (pred_ans[:4]). */
#define MME_PREFIX_CHARS 4

const char *const lx_mme_subtask_names[LX_MME_SUBTASKS] = {
    "existence",
    "count",
    "position",
    "color",
    "posters",
    "celebrity",
    "scene",
    "landmark",
    "artwork",
    "OCR",
    "commonsense_reasoning",
    "numerical_calculation",
    "text_translation",
    "code_reasoning",
};

lx_mme_label lx_mme_parse_response(const char *response) {
  lx_strbuf low = {0};
  lx_py_lower(response, strlen(response), &low);
  const char *s = lx_strbuf_str(&low);
  lx_mme_label label;
  if (strcmp(s, "yes") == 0) {
    label = LX_MME_YES;
  } else if (strcmp(s, "no") == 0) {
    label = LX_MME_NO;
  } else {
    /* the first 4 characters (code points, as Python slices) */
    size_t end = 0;
    for (int c = 0; c < MME_PREFIX_CHARS && end < low.len; c++) {
      size_t len;
      lx_utf8_decode(s + end, low.len - end, &len);
      end += len;
    }
    char prefix[4 * MME_PREFIX_CHARS + 1];
    memcpy(prefix, s, end);
    prefix[end] = '\0';
    label = strstr(prefix, "yes") ? LX_MME_YES : strstr(prefix, "no") ? LX_MME_NO : LX_MME_OTHER;
  }
  lx_strbuf_free(&low);
  return label;
}

void lx_mme_score_subtask(const lx_mme_label *truth, const lx_mme_label *pred, size_t n_questions,
                          lx_mme_result *out) {
  memset(out, 0, sizeof *out);
  out->questions = n_questions;
  out->images = n_questions / 2;
  for (size_t i = 0; i < n_questions; i++) {
    out->correct += truth[i] == pred[i];
    if (pred[i] == LX_MME_OTHER) {
      out->other++;
      continue;
    }
    if (truth[i] == LX_MME_YES)
      pred[i] == LX_MME_YES ? out->tp++ : out->fn++;
    else
      pred[i] == LX_MME_YES ? out->fp++ : out->tn++;
  }
  for (size_t i = 0; i + 1 < n_questions; i += 2)
    out->images_both_correct += truth[i] == pred[i] && truth[i + 1] == pred[i + 1];
  out->acc = n_questions ? (double)out->correct / (double)n_questions : 0.0;
  out->acc_plus = out->images ? (double)out->images_both_correct / (double)out->images : 0.0;
  out->score = 0.0 + out->acc * 100 + out->acc_plus * 100;
  out->precision = out->tp + out->fp ? (double)out->tp / (double)(out->tp + out->fp) : 0.0;
  out->recall = out->tp + out->fn ? (double)out->tp / (double)(out->tp + out->fn) : 0.0;
}
