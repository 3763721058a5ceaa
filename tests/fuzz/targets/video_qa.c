/* MSVD-QA's questions and youtube_mapping.txt (each fuzzed with the other a valid fixture); the
 * questions alone are MSRVTT-QA's reading. */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/video_qa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[2] = {"test_qa.json", "youtube_mapping.txt"};
  static fz_files files;
  if (!files.n) fz_files_init(&files, "video_qa/", names, 2);
  int which = fz_pick(&data, &size, 2);
  lx_error err;
  lx_items items = {0};
  fz_files_place(&files, which, data, size);
  lx_video_qa_load(files.path[0], files.path[1], "YouTubeClips/", &items, &err);
  lx_items_free(&items);
  lx_items msrvtt = {0};
  if (which == 0) lx_video_qa_load(files.path[0], NULL, "TestVideo/", &msrvtt, &err);
  lx_items_free(&msrvtt);
  return 0;
}
