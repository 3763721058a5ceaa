/* lynxeval bench: kernel microbenchmarks (bench kernels), whole-model costs (bench model) and the
 * comparison of two kernel runs (bench compare).
 * The harness lives in bench/; this file parses options and prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_compare.h"
#include "bench/bench_data.h"
#include "bench/bench_kernels.h"
#include "bench/bench_model.h"
#include "bench/kernel_cases.h"
#include "bench/run_info.h"
#include "bench/timing.h"
#include "cli/commands.h"
#include "common/clock.h"
#include "common/fileio.h"
#include "common/jsonutil.h"
#include "model/backend_profile.h"
#include "model/threads.h"

#define N_OPTS(a)        ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_REPORT_BYTES ((size_t)64 << 20)

static const char *const NAME = "bench";

static int write_json(const char *path, const cJSON *report) {
  char *text = cJSON_Print(report);
  lx_error err;
  int rc = lx_write_file_atomic(path, text, strlen(text), &err);
  free(text);
  if (rc) {
    cli_error(NAME, "%s", err.msg);
    return CLI_FAIL;
  }
  return CLI_OK;
}

/* Prints a report as a table, writes it as JSON if asked, and frees it. */
static int print_and_write(void (*print)(FILE *, const cJSON *), cJSON *report, const char *json) {
  print(stdout, report);
  int rc = json ? write_json(json, report) : CLI_OK;
  cJSON_Delete(report);
  return rc;
}

static const cli_command cmd_bench_kernels;

static int run_kernels(int argc, char **argv) {
  const char *device = "cpu", *filter = NULL, *json = NULL;
  bool cold = false, list = false;
  long threads = 0, rounds = 3;
  double seconds = 1.5;
  cli_opt opts[] = {
      {"--device", CLI_STRING, &device, "cpu|cuda", "where the kernels run (default cpu)", 0, 0, 0},
      {"--filter", CLI_STRING, &filter, "REGEX",
       "only kernels whose name matches (POSIX extended regular expression)", 0, 0, 0},
      {"--json", CLI_STRING, &json, "FILE", "also write the full result as JSON", 0, 0, 0},
      {"--cold", CLI_FLAG, &cold, NULL, "evict the caches before each repetition", 0, 0, 0},
      {"--threads", CLI_INT, &threads, "N",
       "threads (default: $LYNXEVAL_THREADS or the cores this process may use)", 0, 256, 0},
      {"--seconds", CLI_DOUBLE, &seconds, "S",
       "time cap for the repetitions of one kernel, all rounds together (default 1.5)", 0, 3600, 0},
      {"--rounds", CLI_INT, &rounds, "N",
       "passes over the kernels; the median of their medians is reported (default 3)", 1, 16, 0},
      {"--list", CLI_FLAG, &list, NULL, "list the kernels and exit", 0, 0, 0},
  };
  int rc = cli_parse(&cmd_bench_kernels, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (list) {
    for (int i = 0; i < lx_n_kernel_cases; i++) {
      char shape[96];
      lx_kernel_shape(&lx_kernel_cases[i], shape, sizeof shape);
      printf("%-28s %-34s %s\n", lx_kernel_cases[i].name, shape, lx_kernel_cases[i].what);
    }
    return 0;
  }
  const bool cuda = strcmp(device, "cuda") == 0;
#ifndef LYNXEVAL_HAVE_CUDA
  if (cuda) {
    cli_error(NAME,
              "--device cuda: this build of lynxeval has no CUDA backend (built without "
              "nvcc)");
    return CLI_FAIL;
  }
#endif
  if (!cuda && strcmp(device, "cpu") != 0) {
    cli_error(NAME, "--device must be cpu or cuda, got '%s'", device);
    return CLI_USAGE;
  }
  if (!(seconds > 0)) {
    cli_error(NAME, "--seconds must be > 0");
    return CLI_USAGE;
  }
  lx_backend *backend = cli_cpu_backend(NAME, threads, NULL);
  lx_bench_kernels_opts o = {filter, lx_bench_default_opts(), (int)rounds, backend, stderr};
  o.timing.cold = cold;
  o.timing.max_seconds = seconds;
  cJSON *report = NULL;
  lx_error err = {{0}};
  int failed_rc = CLI_OK;
#ifdef LYNXEVAL_HAVE_CUDA
  if (cuda) {
    if (lx_bench_kernels_cuda(&o, &report, &err)) {
      cli_error(NAME, "--device cuda: %s", err.msg);
      failed_rc = CLI_FAIL;
    }
  } else
#endif
      if (lx_bench_kernels(&o, &report, &err)) {
    cli_error(NAME, "%s", err.msg);
    failed_rc = CLI_USAGE;
  }
  lx_backend_free(backend);
  if (failed_rc) return failed_rc;
  lx_bench_print_kernels(stdout, report);
  rc = json ? write_json(json, report) : CLI_OK;
  int failed = lx_bench_failed_checks(report);
  cJSON_Delete(report);
  if (failed) {
    cli_error(NAME, "%d kernel%s failed the correctness check", failed, failed == 1 ? "" : "s");
    return CLI_FAIL;
  }
  return rc;
}

static const cli_command cmd_bench_compare;

static int run_compare(int argc, char **argv) {
  double min_change = 0.05;
  bool fail_on_slower = false;
  cli_opt opts[] = {
      {"--min-change", CLI_DOUBLE, &min_change, "X",
       "smallest relative change ever called a difference (default 0.05)", 0, 100, 0},
      {"--fail-on-slower", CLI_FLAG, &fail_on_slower, NULL, "exit 3 when any kernel is slower in B",
       0, 0, 0},
  };
  int pos = 0;
  const char *files[2] = {NULL, NULL};
  while (pos < 2 && argc > 1 + pos && argv[1 + pos][0] != '-') {
    files[pos] = argv[1 + pos];
    pos++;
  }
  argv[pos] = argv[0];
  int rc = cli_parse(&cmd_bench_compare, argc - pos, argv + pos, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (pos != 2) {
    cli_error(NAME, "give two reports: lynxeval bench compare A.json B.json");
    return CLI_USAGE;
  }
  cJSON *r[2] = {NULL, NULL};
  lx_error err;
  for (int i = 0; i < 2; i++)
    if (lx_json_read_file(files[i], MAX_REPORT_BYTES, &r[i], NULL, &err) ||
        lx_bench_validate(r[i], files[i], &err)) {
      cli_error(NAME, "%s", err.msg);
      cJSON_Delete(r[0]);
      cJSON_Delete(r[1]);
      return CLI_FAIL;
    }
  lx_bench_compare_counts counts;
  lx_bench_compare(stdout, r[0], files[0], r[1], files[1], min_change, &counts);
  cJSON_Delete(r[0]);
  cJSON_Delete(r[1]);
  return fail_on_slower && counts.slower ? CLI_GATE : CLI_OK;
}

static const cli_command cmd_bench_model;

/* "1,4,16" -> at most cap integers, each in [1, 64]. */
static int parse_small_ints(const char *text, int *out, int cap, int *n) {
  *n = 0;
  const char *p = text;
  while (*p) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v < 1 || v > 64 || *n == cap || (*end && *end != ',')) return -1;
    out[(*n)++] = (int)v;
    p = *end ? end + 1 : end;
  }
  return *n ? 0 : -1;
}

static int run_model(int argc, char **argv) {
  const char *dir = NULL, *shape = NULL, *dtype = "bf16", *precision = "f32", *json = NULL;
  const char *batches_text = "1,4", *stages_text = "encode,prefill,decode";
  long threads = 0, steps = 16, reps = 3;
  bool profile = false;
  cli_opt opts[] = {
      {"--model", CLI_STRING, &dir, "DIR", "a model directory", 0, 0, 0},
      {"--shape", CLI_STRING, &shape, "NAME",
       "instead of --model: random weights at a released model's shapes (no download; see below)",
       0, 0, 0},
      {"--dtype", CLI_STRING, &dtype, "f32|bf16|f16",
       "with --shape: weight type (default bf16; f32 needs 34 GB)", 0, 0, 0},
      {"--precision", CLI_STRING, &precision, "f32|bf16",
       "matrix products with bf16 weights: exact in float32 (default) or in bf16", 0, 0, 0},
      {"--threads", CLI_INT, &threads, "N",
       "threads (default: $LYNXEVAL_THREADS or the cores this process may use)", 0, 256, 0},
      {"--batches", CLI_STRING, &batches_text, "B,...", "decode batch sizes (default 1,4)", 0, 0,
       0},
      {"--steps", CLI_INT, &steps, "N", "timed decode steps per batch size (default 16)", 1, 1000,
       0},
      {"--reps", CLI_INT, &reps, "N", "timed repetitions of encode and prefill (default 3)", 1,
       1000, 0},
      {"--stages", CLI_STRING, &stages_text, "S,...",
       "which of encode, prefill, decode to time (default all)", 0, 0, 0},
      {"--profile", CLI_FLAG, &profile, NULL,
       "after each batch's timed decode steps, as many again with every kernel timed: where a "
       "step's time goes",
       0, 0, 0},
      {"--json", CLI_STRING, &json, "FILE", "also write the result as JSON", 0, 0, 0},
  };
  int rc = cli_parse(&cmd_bench_model, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if ((dir != NULL) == (shape != NULL)) {
    cli_error(NAME, "give exactly one of --model DIR and --shape NAME");
    return CLI_USAGE;
  }
  if (shape) {
    lx_strbuf known = {0};
    lx_model_shapes(&known);
    if (!strcmp(shape, "list")) {
      printf("%s", lx_strbuf_str(&known));
      lx_strbuf_free(&known);
      return CLI_OK;
    }
    if (!lx_model_shape_exists(shape)) {
      cli_error(NAME, "--shape: '%s' is not a known shape; the known shapes are:\n%s", shape,
                lx_strbuf_str(&known));
      lx_strbuf_free(&known);
      return CLI_USAGE;
    }
    lx_strbuf_free(&known);
  }
  lx_dtype dt = LX_BF16;
  if (strcmp(dtype, "f32") == 0)
    dt = LX_F32;
  else if (strcmp(dtype, "f16") == 0)
    dt = LX_F16;
  else if (strcmp(dtype, "bf16") != 0) {
    cli_error(NAME, "--dtype must be f32, bf16 or f16, got '%s'", dtype);
    return CLI_USAGE;
  }
  if (strcmp(precision, "f32") != 0 && strcmp(precision, "bf16") != 0) {
    cli_error(NAME, "--precision must be f32 or bf16, got '%s'", precision);
    return CLI_USAGE;
  }
  int stages = 0;
  {
    char *list = lx_xstrdup(stages_text), *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
      int bit = strcmp(t, "encode") == 0    ? LX_STAGE_ENCODE
                : strcmp(t, "prefill") == 0 ? LX_STAGE_PREFILL
                : strcmp(t, "decode") == 0  ? LX_STAGE_DECODE
                                            : 0;
      if (!bit) {
        cli_error(NAME, "--stages: '%s' is not encode, prefill or decode", t);
        free(list);
        return CLI_USAGE;
      }
      stages |= bit;
    }
    free(list);
  }
  if (!stages) {
    cli_error(NAME, "--stages: name at least one of encode, prefill, decode");
    return CLI_USAGE;
  }
  int batches[16], n_batches;
  if (parse_small_ints(batches_text, batches, 16, &n_batches)) {
    cli_error(NAME, "--batches: up to 16 comma-separated sizes from 1 to 64, got '%s'",
              batches_text);
    return CLI_USAGE;
  }
  lx_backend *cpu = cli_cpu_backend(NAME, threads, precision);
  if (!cpu) return CLI_USAGE;
  /* --profile: the model runs on a profiler wrapping the CPU backend (same kernels, timed) */
  lx_backend *backend = profile ? lx_backend_profiler_new(cpu) : cpu;
  lx_error err;
  lx_model *m = NULL;
  char source[512];
  double t0 = lx_seconds();
  if (dir) {
    fprintf(stderr, "loading %s...\n", dir);
    rc = lx_model_load(dir, backend, &m, &err);
    snprintf(source, sizeof source, "%s", dir);
  } else {
    fprintf(stderr, "making random %s weights at the %s shapes...\n", dtype, shape);
    rc = lx_model_synthetic(shape, dt, 8, backend, &m, &err);
    snprintf(source, sizeof source, "%s shapes, random %s weights", shape, dtype);
  }
  if (rc) {
    cli_error(NAME, "%s", err.msg);
    if (backend != cpu) lx_backend_free(backend);
    lx_backend_free(cpu);
    return dir ? CLI_FAIL : CLI_USAGE;
  }
  lx_bench_model_opts o = {
      .stages = stages,
      .decode_steps = (int)steps,
      .batches = batches,
      .n_batches = n_batches,
      .reps = (int)reps,
      .source = source,
      .load_seconds = lx_seconds() - t0,
      .progress = stderr,
  };
  cJSON *report = NULL;
  rc = lx_bench_model(m, &o, &report, &err);
  lx_model_free(m);
  if (backend != cpu) lx_backend_free(backend);
  lx_backend_free(cpu);
  if (rc) {
    cli_error(NAME, "%s", err.msg);
    return CLI_FAIL;
  }
  return print_and_write(lx_bench_print_model, report, json);
}

static const cli_command cmd_bench_model = {
    "bench model",
    "the whole model's costs: image encode, prefill, decode, memory",
    "bench model (--model DIR | --shape NAME) [--dtype f32|bf16|f16] [--precision f32|bf16]\n"
    "       [--threads N] [--batches B,...] [--stages S,...] [--profile] [--json FILE]",
    "Measures one image's encode stage by stage (for Lynx: the ViT, then the resampler), the\n"
    "prefill of a prompt of the model's real length (its media positions + max_input_tokens\n"
    "text tokens, or 64 when the model keeps every id; Lynx: 32 + 40, LLaVA-1.5: 576 + 64),\n"
    "decode steps at each batch size, time to first token and the\n"
    "process's peak resident memory, each against a floor measured in the same run: an encode\n"
    "stage's FLOPs over the peak rate (bf16 or float32, as the products run), and a decode\n"
    "step's weight bytes over the read bandwidth measured just before and after the timed\n"
    "steps. --shape NAME builds a released model's shapes with random weights (lynx-8b: 16.8 GB\n"
    "in bf16) so the real cost can be measured without a download; --shape list names them.\n\n"
    "A decode step is one token's forward pass per row and the greedy choice of the next.\n"
    "--profile times every kernel call of as many further steps and gives where a step's time\n"
    "goes: per part (kernel and weight role, e.g. 'linear llm.layers.mlp.gate+up', 'rmsnorm',\n"
    "'attention'), with the time the calling thread spent handing work to the pool's threads and\n"
    "waiting for the slowest; the sampling; what lies between the kernels; and per LLM layer.\n"
    "The parts sum to the profiled steps' time, shown against the unprofiled median step.\n\n"
    "The products' paths chosen for this processor (docs/performance.md, $LYNXEVAL_KERNELS)\n"
    "are in the header line and the JSON's run record.",
    run_model,
};

static const cli_command cmd_bench_kernels = {
    "bench kernels",
    "time every kernel the model uses, at the real Lynx-8B shapes",
    "bench kernels [--device cpu|cuda] [--filter REGEX] [--json FILE] [--cold] [--threads N]",
    "Each kernel is first checked against a plain double-precision reference in the same run\n"
    "(normalized error; the run exits 1 if any check fails), then warmed up and repeated until\n"
    "the interquartile spread of its times is under 2% or its share of --seconds is spent, in\n"
    "--rounds passes over all kernels (a drift of the machine shows as spread between rounds). The "
    "table gives\n"
    "median, min and p99 times, GFLOP/s, GB/s and the percentage of this machine's ceiling, which\n"
    "the harness measures itself first: peak float32 FMA and bf16 dot-product rates and read\n"
    "bandwidth, on one thread and on all of them. A kernel's floor is max(flops / peak, bytes /\n"
    "bandwidth), with the bandwidth measured again just before each memory-bound kernel. The JSON\n"
    "also records the machine, compiler flags, BLAS, threads and commit.\n\n"
    "--device cuda (builds with the CUDA backend) runs the kernels the GPU has on the first\n"
    "GPU: each checked against the same reference, timed with CUDA events (--cold flushes the\n"
    "L2 before each repetition), against the card's own ceilings measured first: a 1 GiB\n"
    "device copy (bytes read plus written per second) and large cuBLASLt products in bf16 and\n"
    "float32. --rounds and --threads do not apply there.",
    run_kernels,
};

static const cli_command cmd_bench_compare = {
    "bench compare",
    "compare two kernel reports, kernel by kernel",
    "bench compare A.json B.json [--min-change X] [--fail-on-slower]",
    "For each kernel: B/A median time, and the same normalized by the ceiling each run measured\n"
    "for it (a run in a slower memory-bandwidth window is not blamed for the window). B is called\n"
    "slower or faster only beyond the noise of the two runs: max(--min-change, 2 x (spread A +\n"
    "spread B)), spread being each run's interquartile range over its median.",
    run_compare,
};

static const cli_command cmd_bench_data;

static void data_progress(void *ctx, const char *what) {
  (void)ctx;
  fprintf(stderr, "lynxeval bench data: %s\n", what);
}

static int run_data(int argc, char **argv) {
  const char *dir = NULL, *json = NULL, *scales_text = "1,4,16";
  long seed = 1;
  bool keep = false;
  cli_opt opts[] = {
      {"--dir", CLI_STRING, &dir, "DIR",
       "where to write the generated files (required; emptied "
       "of them afterwards)",
       0, 0, 0},
      {"--scales", CLI_STRING, &scales_text, "S,...",
       "sizes as multiples of 1/16 of the real ones (default 1,4,16)", 0, 0, 0},
      {"--seed", CLI_INT, &seed, "N", "seed of the generated text (default 1)", 0, 1L << 30, 0},
      {"--json", CLI_STRING, &json, "FILE", "also write the full result as JSON", 0, 0, 0},
      {"--keep", CLI_FLAG, &keep, NULL, "keep the last scale's files in DIR", 0, 0, 0},
  };
  int rc = cli_parse(&cmd_bench_data, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!dir) {
    cli_error(NAME, "bench data: --dir is required");
    return CLI_USAGE;
  }
  lx_bench_data_options o = {
      .dir = dir, .seed = (uint64_t)seed, .keep = keep, .progress = data_progress};
  if (parse_small_ints(scales_text, o.scales, LX_BENCH_DATA_MAX_SCALES, &o.n_scales)) {
    cli_error(NAME, "--scales: give up to %d integers in [1, 64] separated by commas, got '%s'",
              LX_BENCH_DATA_MAX_SCALES, scales_text);
    return CLI_USAGE;
  }
  lx_error err;
  cJSON *report = NULL;
  if (lx_bench_data_run(&o, &report, &err)) {
    cli_error(NAME, "%s", err.msg);
    return CLI_FAIL;
  }
  cJSON_AddItemToObject(report, "run", lx_bench_run_info(1));
  return print_and_write(lx_bench_data_print, report, json);
}

static const cli_command cmd_bench_data = {
    "bench data",
    "load, match and score the benchmarks' files at their real size",
    "bench data --dir DIR [--scales 1,4,16] [--seed N] [--json FILE] [--keep]",
    "Writes COCO-shaped caption files (2,532 x S images, 5 captions each; S = 16 is\n"
    "captions_val2014.json's 40,504 images), VQAv2-shaped questions and annotations (13,397 x S\n"
    "questions, 10 answers each; S = 16 is val2014's 214,354) with results for both, and a run's\n"
    "predictions.jsonl with a row per question. Then, each set in a child process of its own, it\n"
    "times loading, matching and scoring (and, for the run, the scan `lynxeval run` makes when it\n"
    "resumes) and reads the peak resident memory of each phase alone. Time per entry that stays\n"
    "flat from scale to scale is linear loading. The files are removed afterwards, unless --keep\n"
    "(the last scale's: captions.json, caption_results.json, questions.json, annotations.json,\n"
    "vqa_results.json, predictions.jsonl).",
    run_data,
};

static int run(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "data") == 0) return run_data(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "kernels") == 0) return run_kernels(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "compare") == 0) return run_compare(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "model") == 0) return run_model(argc - 1, argv + 1);
  if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    printf(
        "usage: lynxeval bench kernels|model|compare|data ...\n\n"
        "  kernels   %s\n  model     %s\n  compare   %s\n  data      %s\n\n"
        "Run 'lynxeval bench SUBCOMMAND --help' for options.\n",
        cmd_bench_kernels.summary, cmd_bench_model.summary, cmd_bench_compare.summary,
        cmd_bench_data.summary);
    return 0;
  }
  cli_error(NAME, "give a subcommand: kernels, model, compare or data (lynxeval bench --help)");
  return CLI_USAGE;
}

const cli_command cmd_bench = {
    "bench",
    "kernel and model benchmarks against this machine's ceilings; real-size data loading",
    "bench kernels|model|compare|data ...",
    NULL,
    run,
};
