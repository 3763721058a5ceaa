/* open_vqa_match.h: a deterministic matcher for Open-VQA's free-form answers (the public Lynx
 * code ships no scorer; this one is lynxeval's own, version "open-vqa-match-1", every rule here).
 *
 * Both texts are normalized to words: lowercased (Python's str.lower()), every character that is
 * not a letter, digit or whitespace becomes a space (apostrophes are deleted: "don't" -> "dont"),
 * split on whitespace, number words zero..twenty become digits, and a/an/the are dropped.
 * Words are equal when identical, or identical after removing one final "s" from a word of more
 * than 3 characters (elephants = elephant). Rules, in order, on the reference's words:
 *   yes-no       the reference is "yes" or "no": correct iff the prediction's first word is the
 *                same word.
 *   number       the reference is one number: correct iff the prediction's numbers (its digit
 *                words) are all that number, and there is at least one.
 *   exact        same words.
 *   alternative  the reference reads "X or Y [or Z]" (Places365 scene answers): correct iff some
 *                alternative passes "exact" or "contains".
 *   contains     the reference's words appear contiguously in the prediction.
 * An empty prediction is wrong. */
#ifndef LX_OPEN_VQA_MATCH_H
#define LX_OPEN_VQA_MATCH_H

#include <stdbool.h>

#define LX_OPEN_VQA_MATCHER "open-vqa-match-1"

typedef enum lx_ovqa_rule {
  LX_OVQA_NONE, /* no rule matched: wrong */
  LX_OVQA_YES_NO,
  LX_OVQA_NUMBER,
  LX_OVQA_EXACT,
  LX_OVQA_ALTERNATIVE,
  LX_OVQA_CONTAINS,
} lx_ovqa_rule;

const char *lx_ovqa_rule_name(lx_ovqa_rule rule);

/* Whether prediction answers reference (both UTF-8); *rule says which rule decided (the rule
 * that made it correct, or the rule that applied and failed, or LX_OVQA_NONE). */
bool lx_open_vqa_match(const char *prediction, const char *reference, lx_ovqa_rule *rule);

#endif
