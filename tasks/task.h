/* task.h: the benchmarks lynxeval runs, each with its files, prompts, decoding and scorer.
 *
 * A task reads its dataset (an entry of datasets.txt) from a data directory into items, asks each
 * item's question through one of its prompt templates, decodes with its defaults unless the user
 * overrides them, and is scored by its scorer. `version` changes whenever any of that changes,
 * and is recorded in every run's manifest. */
#ifndef LX_TASK_H
#define LX_TASK_H

#include "tasks/items.h"
#include "tasks/registry.h"
#include "tasks/scoring.h"

typedef struct lx_task_template {
  const char *name;
  /* a Python format string with {question}; NULL: the model's own conversation (config.json
   * "prompt": its templates with and without media, and its short-answer line for the tasks
   * that ask for short answers) */
  const char *text;
} lx_task_template;

/* A family's own answer instruction for a task, as its evaluation code appends it to every
 * question: LLaVA's "\nAnswer with the option's letter from the given choices directly.". */
typedef struct lx_family_answer_line {
  const char *family; /* the model family (model/families.c): "llava" */
  const char *line;
} lx_family_answer_line;

typedef struct lx_task {
  const char *name; /* "open-vqa-image" */
  int version;
  const char *dataset; /* the default datasets.txt entry */
  const char *summary;
  lx_scorer_kind scorer;
  const lx_task_template *templates; /* [0] is the default */
  int n_templates;
  const char *instruction; /* captioning: the question every item asks; NULL otherwise */
  const char *decode;      /* decoding strategy override, NULL: the model's default */
  int num_beams;           /* 0: the model's */
  int max_new_tokens;      /* 0: the model's */
  /* Reads the dataset's files under data_dir (paths from the registry entry). */
  int (*load)(const char *data_dir, const lx_dataset *ds, lx_items *items, lx_error *err);
  /* Its questions want one word or phrase (VQAv2, MME): under the "model" template the model's
   * short-answer line (LLaVA's "\nAnswer the question using a single word or phrase.") follows
   * each question. */
  bool short_answer;
  /* Under the "model" template, a family listed here gets its own line after each question instead
   * (and not its config's short-answer line or template). */
  const lx_family_answer_line *answer_lines;
  int n_answer_lines;
} lx_task;

extern const lx_task *const lx_tasks[];
extern const int lx_n_tasks;

const lx_task *lx_task_find(const char *name);

/* A named list of "task:dataset" entries run together, with the decoding it is meant for. */
typedef struct lx_suite {
  const char *name;    /* "world" */
  const char *entries; /* "task:dataset,task:dataset,..." */
  const char *decode;  /* the decoding strategy for all of them (flags still override); NULL */
  int max_new_tokens;  /* likewise; 0: each task's */
} lx_suite;

/* The suite named `name` ("world": every task of the embedded world), or NULL. */
const lx_suite *lx_suite_find(const char *name);
/* The answer line of the task for a model family, or NULL. */
const char *lx_task_answer_line(const lx_task *t, const char *family);
/* The template named `name` (NULL: the default), or NULL if the task has none by that name. */
const lx_task_template *lx_task_template_find(const lx_task *t, const char *name);

/* Loads a task's items: its registry entry `dataset` (NULL: the task's default) from data_dir,
 * fills captioning questions, and checks the files' presence first so that a missing file is
 * reported with the dataset's name. */
int lx_task_load(const lx_task *t, const lx_registry *reg, const char *dataset,
                 const char *data_dir, lx_items *items, lx_error *err);

#endif
