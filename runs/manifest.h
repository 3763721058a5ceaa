/* manifest.h: what a run depends on, written into its directory so any number can be traced
 * back, and compared on resume so that a run never mixes predictions made under different
 * settings.
 *
 * RUNDIR/<task>/fingerprint.json holds the task's fingerprint: the task (name, version, dataset,
 * annotation files' sha256), the model (sha256 of model.safetensors and of the tokenizer file,
 * the whole config.json), the prompt template, the decoding, the frame rule and the seed. A
 * second run into the same directory resumes only if its fingerprint is identical; otherwise it
 * stops and names the first difference. The batch size and the thread count are in it too: they
 * change the last bits of floating-point sums (how OpenBLAS splits its work), which can flip a
 * near-tie between two tokens. --limit is not: it never changes an answer. Large files are
 * hashed through the hash cache (common/hash_cache.h), so that a shard or a resumed session does
 * not read a 17 GB model again.
 *
 * RUNDIR/manifest.json adds what is useful to know but does not decide resumption: lynxeval's
 * version, the machine, the command line, and each session's start and end times. */
#ifndef LX_MANIFEST_H
#define LX_MANIFEST_H

#include <cJSON.h>
#include <stdint.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "model/backend.h"
#include "model/generate.h"
#include "tasks/task.h"

typedef struct lx_run_settings {
  const lx_task *task;
  const lx_dataset *dataset;
  const char *data_dir;
  const char *model_dir;
  const char *const *model_files; /* lx_model_extra_files: hashed too */
  const lx_decode_params *decode;
  const lx_task_template *tmpl;
  const char *frame_rule; /* the rule video items use */
  uint64_t seed;
  int batch; /* batch, threads and precision change the last bits of the sums, so they are
               recorded and checked */
  const lx_backend *backend; /* threads and precision */
  /* The decoding is the model's for this task (its config's, with the task's and the suite's
   * rules), no flag having changed it: part of the model, for comparisons across models. */
  bool decoding_default;
  bool frame_rule_default; /* likewise the frame rule: the model's config's, no flag */
  /* The line the model family's own evaluation appends to this task's questions
   * (lx_task_answer_line), or NULL */
  const char *answer_line;
  /* Hash every file again instead of trusting the hash cache (common/hash_cache.h) */
  bool rehash;
  lx_strbuf *hash_notes; /* receives a line per cached hash found wrong; may be NULL */
} lx_run_settings;

/* Builds the fingerprint (hashing the model and annotation files). */
int lx_run_fingerprint(const lx_run_settings *s, cJSON **out, lx_error *err);

/* Compares fingerprint with task_dir/fingerprint.json, or writes it there if the directory is
 * new. Fails, naming the first differing field, if they differ. */
int lx_run_claim(const char *task_dir, const cJSON *fingerprint, lx_error *err);

/* {"hostname", "os", "cpu", "cores", "memory_bytes"} */
cJSON *lx_machine_info(void);

/* Reads RUNDIR/manifest.json (a new object if there is none). */
int lx_manifest_read(const char *run_dir, cJSON **out, lx_error *err);
/* Writes RUNDIR/manifest.json atomically. */
int lx_manifest_write(const char *run_dir, const cJSON *manifest, lx_error *err);

#endif
