#include "scorers/llm_judge.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/unicode.h"

#define PAIR_SCORE_MIN 1.0
#define PAIR_SCORE_MAX 10.0

const char *lx_judge_template_name(lx_judge_kind kind) {
  switch (kind) {
    case LX_JUDGE_CORRECTNESS:
      return "open-vqa-correct-1";
    case LX_JUDGE_PAIR_SCORES:
      return "llava-bench-pair-1";
    case LX_JUDGE_VIDEO_QA:
      return "evaluate_activitynet_qa.py";
    case LX_JUDGE_MM_VET:
      return "mm-vet_evaluator.py";
    case LX_JUDGE_MMBENCH:
      break;
  }
  return "eval_mmbench.py";
}

void lx_judge_prompt(lx_judge_kind kind, const lx_judge_input *in, lx_strbuf *system,
                     lx_strbuf *user) {
  if (kind == LX_JUDGE_MMBENCH || kind == LX_JUDGE_VIDEO_QA || kind == LX_JUDGE_MM_VET)
    return; /* their prompts come from the scripts (mmbench.h, video_qa.h, mm_vet.h) */
  if (kind == LX_JUDGE_CORRECTNESS) {
    lx_strbuf_puts(system,
                   "You grade answers to questions about images. You see the question, "
                   "a reference answer written by a person, and a candidate answer. The "
                   "candidate is correct when it gives the same answer as the reference, "
                   "in any wording; extra detail is fine if it does not contradict it.");
    lx_strbuf_puts(user, "Question: ");
    lx_strbuf_puts(user, in->question);
    lx_strbuf_puts(user, "\nReference answer: ");
    lx_strbuf_puts(user, in->reference);
    lx_strbuf_puts(user, "\nCandidate answer: ");
    lx_strbuf_puts(user, in->answer);
    lx_strbuf_puts(user, "\n\nReply with one word on the first line: correct or incorrect.");
    return;
  }
  lx_strbuf_puts(system,
                 "You compare two assistants' answers to a question about an image, "
                 "which you know from its description. Judge helpfulness, relevance, "
                 "accuracy and level of detail.");
  lx_strbuf_puts(user, "Image description:\n");
  lx_strbuf_puts(user, in->context ? in->context : "");
  lx_strbuf_puts(user, "\n\nQuestion:\n");
  lx_strbuf_puts(user, in->question);
  lx_strbuf_puts(user, "\n\nAssistant 1:\n");
  lx_strbuf_puts(user, in->reference);
  lx_strbuf_puts(user, "\n\nAssistant 2:\n");
  lx_strbuf_puts(user, in->answer);
  lx_strbuf_puts(user,
                 "\n\nOn the first line, write two scores from 1 to 10, for assistant 1 "
                 "and assistant 2, separated by a space. Then explain them, without "
                 "letting the order of the answers sway you.");
}

/* The first line of reply, lowercased, without surrounding whitespace. */
static void first_line(const char *reply, lx_strbuf *out) {
  size_t n = strcspn(reply, "\n"), b, e;
  lx_py_strip(reply, n, &b, &e);
  lx_py_lower(reply + b, e - b, out);
}

static bool parse_score(const char **p, double *v) {
  while (**p == ' ' || **p == '\t' || **p == ',') ++*p;
  char *end;
  *v = strtod(*p, &end);
  if (end == *p) return false;
  *p = end;
  return *v >= PAIR_SCORE_MIN && *v <= PAIR_SCORE_MAX;
}

bool lx_judge_parse(lx_judge_kind kind, const char *reply, double scores[2]) {
  lx_strbuf line = {0};
  first_line(reply, &line);
  const char *s = lx_strbuf_str(&line);
  bool ok = false;
  if (kind == LX_JUDGE_CORRECTNESS) {
    /* the first word, punctuation after it ignored */
    size_t n = 0;
    while (s[n] && isalpha((unsigned char)s[n])) n++;
    if (n == 7 && !strncmp(s, "correct", 7)) ok = true, scores[0] = 1;
    if (n == 9 && !strncmp(s, "incorrect", 9)) ok = true, scores[0] = 0;
  } else if (kind == LX_JUDGE_PAIR_SCORES) {
    const char *p = s;
    ok = parse_score(&p, &scores[0]) && parse_score(&p, &scores[1]);
    while (ok && (*p == ' ' || *p == '\t' || *p == '.')) p++;
    ok = ok && *p == '\0'; /* nothing else on the line */
  }
  lx_strbuf_free(&line);
  return ok;
}
