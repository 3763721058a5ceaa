/* What the benchmarks' own judges bring in: a judge's reply (read for MMBench's letter, as
 * Video-ChatGPT's dict and as MM-Vet's score) and the user's copy of a script (read for MMBench's
 * template, Video-ChatGPT's messages and MM-Vet's prompt, then filled). No file: the input is the
 * text itself. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "scorers/mm_vet.h"
#include "scorers/mmbench.h"
#include "scorers/video_qa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0'; /* a NUL inside ends the text, as it would a reply */
  const char *choices[4] = {"cat", "dog", NULL, NULL};
  lx_mmbench_rule rule;
  lx_mmbench_infer(text, choices, &rule);
  int yes;
  long score;
  lx_video_qa_parse_verdict(text, &yes, &score);
  double grade;
  lx_mmvet_parse_score(text, &grade);
  lx_strbuf tmpl = {0}, system = {0}, user = {0}, out = {0};
  const char *why;
  if (lx_mmbench_judge_template(text, size, &tmpl, &why) == 0)
    lx_mmbench_judge_prompt(lx_strbuf_str(&tmpl), "What {is} it?", choices, "A", &out);
  if (lx_video_qa_judge_template(text, size, &system, &user, &why) == 0) {
    lx_video_qa_judge_message(lx_strbuf_str(&system), "q", "a", "p", &out);
    lx_video_qa_judge_message(lx_strbuf_str(&user), "q{x}", "a", "p", &out);
  }
  lx_strbuf_clear(&tmpl);
  if (lx_mmvet_judge_template(text, size, &tmpl, &why) == 0)
    lx_mmvet_judge_message(lx_strbuf_str(&tmpl), "q", "a<AND>b<OR>c", "p", 3, &out);
  lx_strbuf_free(&tmpl);
  lx_strbuf_free(&system);
  lx_strbuf_free(&user);
  lx_strbuf_free(&out);
  free(text);
  return 0;
}
