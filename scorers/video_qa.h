/* video_qa.h: exact-match accuracy for the one-word answers of MSVD-QA and MSRVTT-QA, lynxeval's
 * reading of a generated answer (the benchmarks' own protocol classified over a fixed answer
 * vocabulary; the generative one, Video-ChatGPT's, asks an LLM judge).
 *
 * Right when the answer, lowercased (Python's rules) and stripped, with one final "." removed and
 * stripped again, equals the reference lowercased and stripped: "Man." and " man" match "man";
 * "a man", "men" and "man walking" do not. */
#ifndef LX_VIDEO_QA_H
#define LX_VIDEO_QA_H

#include <stdbool.h>

#include "common/strbuf.h"

#define LX_VIDEO_QA_MATCH "exact match: lower case, stripped, one final period removed"

/* The answer as it is compared, appended to out. */
void lx_video_qa_normalize(const char *answer, lx_strbuf *out);

bool lx_video_qa_exact_match(const char *pred, const char *reference);

/* ---- Video-ChatGPT's judge (quantitative_evaluation/evaluate_activitynet_qa.py) -------------
 * The protocol generative models report MSVD-QA and MSRVTT-QA with: gpt-3.5-turbo asked, per
 * question, for a yes/no and a 0-5 score. Its two messages are read from the user's copy of the
 * script (lynxeval does not carry them). */

/* The system and user messages' templates: the literals after "role": "system", "content": and
 * after "role": "user", "content": (the user's with the f-string fields {question}, {answer},
 * {pred}). Fails with *why when the script has no such messages. */
int lx_video_qa_judge_template(const char *src, size_t n, lx_strbuf *system, lx_strbuf *user,
                               const char **why);

/* A message from its template, the fields filled. */
void lx_video_qa_judge_message(const char *tmpl, const char *question, const char *answer,
                               const char *pred, lx_strbuf *out);

/* A reply as the script reads it: ast.literal_eval of a dict whose 'pred' is a string and whose
 * 'score' int() takes (a number, truncated, or a string of an integer). *yes: 1 when "yes" is in
 * pred lower-cased, else 0 when "no" is, else -1 (the script counts it in neither). False for a
 * reply the script could not read (it would ask again), and for a score of 1e12 or more in size,
 * which Python's unbounded int would take (no judge gives one). */
bool lx_video_qa_parse_verdict(const char *reply, int *yes, long *score);

#endif
