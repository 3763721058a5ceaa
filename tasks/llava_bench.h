/* llava_bench.h: LLaVA-Bench (In-the-Wild), 60 questions on 24 images.
 *
 * questions.jsonl: {"question_id", "image", "text", "category"}; answers_gpt4.jsonl:
 * {"question_id", "text"} (the reference answers); context.jsonl: {"image", "caption"} (what
 * the judge is told about each image). An LLM judge scores the answers. */
#ifndef LX_LLAVA_BENCH_H
#define LX_LLAVA_BENCH_H

#include "tasks/items.h"

/* Items: id = question_id, media = media_root + image, refs = {the GPT-4 answer}, category =
 * conv/detail/complex, context = the image's caption. */
int lx_llava_bench_load(const char *questions_path, const char *answers_path,
                        const char *context_path, const char *media_root, lx_items *items,
                        lx_error *err);

#endif
