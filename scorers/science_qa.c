#include "scorers/science_qa.h"

#include <stdbool.h>
#include <string.h>

#define OPTION_LETTERS "ABCDE" /* the script's --options default */

static const char *const rule_names[] = {"letter", "letter-dot", "the-answer-is", "failed"};

const char *lx_sqa_rule_name(lx_sqa_rule rule) {
  return rule_names[rule];
}

static bool is_option(char c) {
  return c && strchr(OPTION_LETTERS, c) != NULL;
}

/* Bytes of the UTF-8 character starting with byte c (a stray continuation byte counts as one, as
 * it cannot occur in the decoded text the script sees). */
static size_t char_bytes(unsigned char c) {
  return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

char lx_sqa_parse_letter(const char *answer, lx_sqa_rule *rule) {
  if (is_option(answer[0]) && answer[1] == '\0') {
    *rule = LX_SQA_LETTER;
    return answer[0];
  }
  if (is_option(answer[0]) && answer[1] == '.' && answer[2] == ' ') {
    *rule = LX_SQA_LETTER_DOT;
    return answer[0];
  }
  static const char prefix[] = "The answer is ";
  const size_t plen = sizeof prefix - 1;
  size_t len = strlen(answer), matches = 0;
  char letter = 0;
  for (size_t i = 0; i < len;) {
    const char *p = answer + i;
    if (len - i > plen + 1 && !memcmp(p, prefix, plen) && p[plen] >= 'A' && p[plen] <= 'Z' &&
        p[plen + 1] != '\n') {
      if (matches++ == 0) letter = p[plen];
      i += plen + 1 + char_bytes((unsigned char)p[plen + 1]); /* findall resumes past a match */
    } else {
      i++; /* a match starts with 'T', never inside a multi-byte character */
    }
  }
  if (matches == 1) {
    *rule = LX_SQA_THE_ANSWER_IS;
    return letter;
  }
  *rule = LX_SQA_FAILED;
  return 0;
}

int lx_sqa_choice_index(char letter, int n_choices) {
  const char *at = letter ? strchr(OPTION_LETTERS, letter) : NULL;
  if (!at) return -1;
  int k = (int)(at - OPTION_LETTERS);
  return k < n_choices ? k : -1;
}
