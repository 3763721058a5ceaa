#include "scorers/seed_bench.h"

#include <string.h>

bool lx_seed_answer_correct(const char *answer, const char *letter) {
  return strcmp(answer, letter) == 0;
}
