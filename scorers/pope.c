#include "scorers/pope.h"

#include <string.h>

/* Whether [w, w + len) is one of the words the script reads as a no. */
static bool is_no_word(const char *w, size_t len) {
  return (len == 2 && (!memcmp(w, "No", 2) || !memcmp(w, "no", 2))) ||
         (len == 3 && !memcmp(w, "not", 3));
}

bool lx_pope_answer_is_yes(const char *answer) {
  /* text.split('.')[0]: up to the first period */
  const char *dot = strchr(answer, '.');
  size_t end = dot ? (size_t)(dot - answer) : strlen(answer);
  /* commas removed, then split(' '): a word ends at each single space */
  char word[4];
  size_t len = 0; /* the word's length without commas; only lengths up to 3 can be no-words */
  for (size_t i = 0; i <= end; i++) {
    if (i == end || answer[i] == ' ') {
      if (len <= 3 && is_no_word(word, len)) return false;
      len = 0;
    } else if (answer[i] != ',') {
      if (len < 3) word[len] = answer[i];
      len++;
    }
  }
  return true;
}

double lx_pope_f1_percent(double tp, double fp, double fn) {
  double p = tp + fp > 0 ? tp / (tp + fp) : 0, r = tp + fn > 0 ? tp / (tp + fn) : 0;
  return p + r > 0 ? 100 * 2 * p * r / (p + r) : 0;
}

void lx_pope_score(const bool *truth_yes, const bool *pred_yes, size_t n, lx_pope_result *out) {
  memset(out, 0, sizeof *out);
  out->n = n;
  for (size_t i = 0; i < n; i++) {
    out->yes += pred_yes[i];
    if (pred_yes[i])
      truth_yes[i] ? out->tp++ : out->fp++;
    else
      truth_yes[i] ? out->fn++ : out->tn++;
  }
  if (n) {
    out->accuracy = (double)(out->tp + out->tn) / (double)n;
    out->yes_ratio = (double)out->yes / (double)n;
  }
  /* the script's expressions, in its order: float(TP) / float(TP + FP), 2 * p * r / (p + r) */
  out->precision_defined = out->tp + out->fp > 0;
  if (out->precision_defined) out->precision = (double)out->tp / (double)(out->tp + out->fp);
  out->recall_defined = out->tp + out->fn > 0;
  if (out->recall_defined) out->recall = (double)out->tp / (double)(out->tp + out->fn);
  out->f1_defined =
      out->precision_defined && out->recall_defined && out->precision + out->recall > 0;
  if (out->f1_defined) out->f1 = 2 * out->precision * out->recall / (out->precision + out->recall);
}
