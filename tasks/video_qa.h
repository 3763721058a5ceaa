/* video_qa.h: MSVD-QA and MSRVTT-QA (Xu et al., ACM MM 2017), open-ended questions about short
 * videos, the test splits, in the files their authors publish
 * (github.com/xudejing/video-question-answering):
 *   test_qa.json         a JSON list of {"answer", "id", "question", "video_id", ...}
 *   youtube_mapping.txt  MSVD-QA only: "<clip name> vid<N>" per line, the MSVD clip of video_id N,
 *                        the video <clip name>.avi of MSVD's YouTubeClips.tar
 * MSRVTT-QA's video_id N is MSR-VTT's video<N>.mp4 (its test videos). */
#ifndef LX_TASK_VIDEO_QA_H
#define LX_TASK_VIDEO_QA_H

#include "tasks/items.h"

/* Reads the questions: id = "id", media = media_root + the video's file name (MSVD-QA: the clip
 * youtube_mapping.txt names, ".avi"; no mapping: "video<video_id>.mp4"), a video; question;
 * refs = the answer; category = the question's kind, its first word (what, who, how, when,
 * where; "other"), as the benchmarks' papers break accuracy down; subcategory = the video's
 * name without its extension (Video-ChatGPT's "video_name"). Refuses a missing key, an id twice,
 * a video_id the mapping lacks, a malformed mapping line, naming file and line. */
int lx_video_qa_load(const char *qa_path, const char *mapping_path, const char *media_root,
                     lx_items *items, lx_error *err);

#endif
