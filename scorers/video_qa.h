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

#endif
