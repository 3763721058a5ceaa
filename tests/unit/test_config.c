/* config.json parsing and validation: the shared keys (model/model_config), Lynx's keys
 * (model/lynx/lynx_config), and the family named by the file (model/model). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "model/family.h"
#include "model/lynx/lynx_config.h"
#include "model/model.h"
#include "model/model_config.h"
#include "testutil.h"

static const char *VALID =
    "{\"format\":\"lynxeval-model\",\"format_version\":1,\"variant\":\"prefix\","
    "\"vision\":{\"image_size\":420,\"patch_size\":14,\"width\":1408,\"depth\":39,\"heads\":16,"
    "\"mlp_dim\":6144,\"norm_eps\":1e-6,\"num_frames\":5,\"frame_pos_embed\":true},"
    "\"resampler\":{\"depth\":3,\"num_latents\":32,\"heads\":8,\"head_dim\":64,\"ff_dim\":16384,"
    "\"norm_eps\":1e-5},"
    "\"llm\":{\"vocab_size\":32001,\"hidden_size\":4096,\"num_layers\":32,\"num_heads\":32,"
    "\"intermediate_size\":11008,\"rms_norm_eps\":1e-6,\"rope_theta\":10000,"
    "\"max_position_embeddings\":2048,\"adapter_every\":2,\"adapter_dim\":2048,"
    "\"bos_token_id\":1,\"eos_token_id\":2,\"pad_token_id\":32000},"
    "\"preprocess\":{\"image_size\":420,\"mean\":[0.48145466,0.4578275,0.40821073],"
    "\"std\":[0.26862954,0.26130258,0.27577711],\"num_frames\":5},"
    "\"prompt\":{\"template\":\"User: {question}\\nBot:\",\"lowercase\":true,"
    "\"max_input_tokens\":40},"
    "\"decoding\":{\"strategy\":\"beam-sample\",\"num_beams\":5,\"top_k\":3,\"top_p\":0.9,"
    "\"no_repeat_ngram_size\":2,\"min_length\":2,\"max_new_tokens\":64,\"length_penalty\":-2.0}}";

static char *dir;
static void setup(void) {
  dir = tu_tempdir();
}
static void teardown(void) {
  tu_rmtree(dir);
}

/* VALID with the first occurrence of `from` replaced by `to`. */
static char *edited(const char *from, const char *to) {
  const char *at = strstr(VALID, from);
  ck_assert_msg(at != NULL, "test bug: '%s' not in the config", from);
  size_t n = strlen(VALID) - strlen(from) + strlen(to) + 1;
  char *s = malloc(n);
  snprintf(s, n, "%.*s%s%s", (int)(at - VALID), VALID, to, at + strlen(from));
  return s;
}

/* A config.json read as a model directory's is: the shared keys, then Lynx's. */
typedef struct lx_config {
  lx_model_config common;
  lx_lynx_config lynx;
} lx_config;

static int load_text(const char *text, lx_config *c, lx_error *err) {
  char *p = tu_write(dir, "config.json", text, strlen(text));
  cJSON *root = NULL;
  int rc = lx_model_config_load(p, &root, &c->common, err);
  if (rc == LX_OK) rc = lx_lynx_config_from_json(root, p, &c->common, &c->lynx, err);
  cJSON_Delete(root);
  free(p);
  return rc;
}

static void expect_error(const char *from, const char *to, const char *needle) {
  char *text = edited(from, to);
  lx_config c;
  lx_error err = {{0}};
  ck_assert_int_eq(load_text(text, &c, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, needle) != NULL, "message '%s' lacks '%s'", err.msg, needle);
  ck_assert_msg(strstr(err.msg, "config.json") != NULL, "message '%s' does not name the file",
                err.msg);
  free(text);
}

START_TEST(loads_the_real_lynx_config) {
  lx_config c;
  lx_error err;
  ck_assert_msg(load_text(VALID, &c, &err) == LX_OK, "%s", err.msg);
  ck_assert_int_eq(c.lynx.variant, LX_VARIANT_PREFIX);
  ck_assert_int_eq(c.lynx.vit.grid, 30);
  ck_assert_int_eq(c.lynx.vit.n_tokens, 901);
  ck_assert_int_eq(c.lynx.vit.head_dim, 88);
  ck_assert_int_eq(c.lynx.llm.head_dim, 128);
  ck_assert_int_eq(c.lynx.llm.pad_id, 32000);
  ck_assert_int_eq(c.lynx.llm.xattn_every, 0);
  ck_assert_float_eq_tol(c.lynx.llm.adapter_norm_eps, 1e-5f, 1e-12f);
  ck_assert_str_eq(c.common.prompt.template_, "User: {question}\nBot:");
  ck_assert_str_eq(c.common.preprocess.frame_rule, "segment-start");
  ck_assert_str_eq(c.common.decoding.strategy, "beam-sample");
  ck_assert_double_eq_tol(c.common.decoding.length_penalty, -2.0, 1e-12);
  ck_assert(c.lynx.frame_pos_embed);
}
END_TEST

START_TEST(loads_cross_attention_variant) {
  char *a = edited("\"variant\":\"prefix\"", "\"variant\":\"cross_attention\"");
  const char *from = "\"pad_token_id\":32000";
  const char *at = strstr(a, from);
  char text[4096];
  snprintf(text, sizeof text,
           "%.*s%s,\"cross_attention\":{\"every\":4,\"heads\":8,\"head_dim\":64,"
           "\"ff_dim\":16384,\"norm_eps\":1e-5}%s",
           (int)(at - a), a, from, at + strlen(from));
  lx_config c;
  lx_error err;
  ck_assert_msg(load_text(text, &c, &err) == LX_OK, "%s", err.msg);
  ck_assert_int_eq(c.lynx.variant, LX_VARIANT_CROSS_ATTN);
  ck_assert_int_eq(c.lynx.llm.xattn_every, 4);
  free(a);
  expect_error("\"variant\":\"prefix\"", "\"variant\":\"cross_attention\"",
               "llm.cross_attention is missing");
}
END_TEST

START_TEST(refuses_bad_values) {
  expect_error("\"format\":\"lynxeval-model\"", "\"format\":\"gguf\"", "format is \"gguf\"");
  expect_error("\"format_version\":1", "\"format_version\":7", "format_version 7");
  expect_error("\"variant\":\"prefix\"", "\"variant\":\"ca\"", "variant \"ca\"");
  expect_error("\"width\":1408", "\"width\":\"wide\"", "vision.width: must be an integer");
  expect_error("\"width\":1408", "\"width\":1408.5", "vision.width");
  expect_error("\"heads\":16", "\"heads\":15", "not a multiple of vision.heads");
  expect_error("\"patch_size\":14", "\"patch_size\":16", "not a multiple of vision.patch_size");
  expect_error("\"num_layers\":32,", "", "llm.num_layers: required key is missing");
  expect_error("\"pad_token_id\":32000", "\"pad_token_id\":32001", "outside the vocabulary");
  expect_error("\"pad_token_id\":32000", "\"pad_token_id\":32000,\"special_tokens\":\"all\"",
               "llm.special_tokens is \"all\"");
  expect_error("\"num_heads\":32", "\"num_heads\":4096", "rotary embeddings need it even");
  expect_error("\"std\":[0.26862954", "\"std\":[0", "preprocess.std[0] must be positive");
  expect_error("\"mean\":[0.48145466,", "\"mean\":[", "must be an array of 3 numbers");
  expect_error("\"template\":\"User: {question}\\nBot:\"", "\"template\":\"hi\"",
               "no {question} placeholder");
  expect_error("\"strategy\":\"beam-sample\"", "\"strategy\":\"nucleus\"", "is not one of");
  expect_error("\"image_size\":420,\"mean\"", "\"image_size\":224,\"mean\"",
               "differs from vision.image_size");
  expect_error("\"norm_eps\":1e-6", "\"norm_eps\":-1", "vision.norm_eps");
  expect_error("{\"format\"", "[{\"format\"", "not a valid JSON object");
}
END_TEST

START_TEST(refuses_missing_file) {
  lx_model_config c;
  cJSON *root;
  lx_error err;
  ck_assert_int_eq(lx_model_config_load("/nonexistent/config.json", &root, &c, &err), LX_ERR);
  ck_assert(strstr(err.msg, "/nonexistent/config.json: cannot open") != NULL);
}
END_TEST

/* The family is named by the file; an unknown one is refused by name, listing the known. */
START_TEST(refuses_unknown_family) {
  char *text = edited("\"format_version\":1,", "\"format_version\":1,\"family\":\"llava-9\",");
  free(tu_write(dir, "config.json", text, strlen(text)));
  lx_model *m = NULL;
  lx_error err;
  ck_assert_int_eq(lx_model_open(dir, LX_LOAD_CONFIG, NULL, &m, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg,
                       "config.json: family \"llava-9\" is not one this lynxeval knows "
                       "(known: lynx"),
                "%s", err.msg);
  free(text);
  /* Named explicitly, Lynx opens as it does when the file predates families. */
  text = edited("\"format_version\":1,", "\"format_version\":1,\"family\":\"lynx\",");
  free(tu_write(dir, "config.json", text, strlen(text)));
  ck_assert_msg(lx_model_open(dir, LX_LOAD_CONFIG, NULL, &m, &err) == LX_OK, "%s", err.msg);
  ck_assert_str_eq(m->info.family, "lynx");
  ck_assert_str_eq(m->info.variant, "prefix");
  ck_assert_int_eq(m->info.media_positions, 32);
  ck_assert_int_eq(m->info.media_width, 4096);
  lx_model_free(m);
  free(text);
}
END_TEST

/* The built-in real-size shapes are valid configs of their families. */
START_TEST(shapes_are_valid_configs) {
  const char *texts[2] = {lx_lynx_8b_config_json, lx_lynx_8b_ca_config_json};
  for (int i = 0; i < 2; i++) {
    lx_config c;
    lx_error err;
    ck_assert_msg(load_text(texts[i], &c, &err) == LX_OK, "%s", err.msg);
    ck_assert_int_eq(c.lynx.vit.n_tokens, 901);
    ck_assert_int_eq(c.lynx.llm.vocab_size, 32001);
    ck_assert_int_eq(c.lynx.variant, i ? LX_VARIANT_CROSS_ATTN : LX_VARIANT_PREFIX);
    ck_assert_int_eq(c.lynx.llm.adapter_every, i ? 0 : 2);
    ck_assert_int_eq(c.lynx.llm.xattn_every, i ? 4 : 0);
  }
}
END_TEST

/* The llava-1.5-7b shape's config.json with `from` replaced by `to` (once), opened as a model
 * directory without weights. */
static int open_llava(const char *from, const char *to, lx_model **m, lx_error *err) {
  const lx_family *f = lx_family_find("llava");
  ck_assert_ptr_nonnull(f);
  const char *base = f->shapes[0].config_json, *at = strstr(base, from);
  ck_assert_msg(at != NULL, "test bug: '%s' not in the config", from);
  lx_strbuf s = {0};
  lx_strbuf_printf(&s, "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
  char *p = tu_write(dir, "config.json", lx_strbuf_str(&s), s.len);
  lx_strbuf_free(&s);
  free(p);
  return lx_model_open(dir, LX_LOAD_CONFIG, NULL, m, err);
}

START_TEST(llava_keys) {
  lx_model *m = NULL;
  lx_error err;
  ck_assert_msg(open_llava("", "", &m, &err) == LX_OK, "%s", err.msg);
  ck_assert_str_eq(m->info.family, "llava");
  ck_assert_int_eq(m->info.media_rows, 576); /* 24 x 24 patches, CLS dropped */
  ck_assert_int_eq(m->info.media_positions, 576);
  ck_assert_int_eq(m->info.vocab_size, 32000);
  const lx_model_config *c = &m->cfg;
  ck_assert(c->preprocess.pad_square && c->preprocess.resize == LX_RESIZE_HF_CLIP);
  ck_assert_str_eq(c->prompt.media_marker, "<image>");
  ck_assert(c->prompt.tokenizer_rules == LX_TOKENIZER_NONLEGACY && c->decoding.bos_seed &&
            c->decoding.evaluation);
  ck_assert_int_eq(c->decoding.n_by_task, 1);
  ck_assert_str_eq(c->decoding.by_task[0].task, "llava-bench");
  ck_assert_int_eq(c->decoding.by_task[0].max_new_tokens, 1024);
  ck_assert(!c->prompt.short_answer_template[0]);
  ck_assert(c->decoding.seed_id == -1 && c->decoding.repetition_penalty == 1.0 &&
            c->decoding.n_replace == 0); /* the defaults */
  lx_model_free(m);
  ck_assert_msg(open_llava("\"bos_seed\": true",
                           "\"bos_seed\": true, \"seed_id\": 1, \"repetition_penalty\": 1.5, "
                           "\"replace_ids\": [[0, 2]]",
                           &m, &err) == LX_OK,
                "%s", err.msg);
  ck_assert(m->cfg.decoding.seed_id == 1 && m->cfg.decoding.repetition_penalty == 1.5);
  ck_assert(m->cfg.decoding.short_max_new_tokens == 0 && !m->cfg.decoding.short_length_penalty_set);
  ck_assert(m->cfg.decoding.n_replace == 1 && m->cfg.decoding.replace[0][0] == 0 &&
            m->cfg.decoding.replace[0][1] == 2);
  lx_model_free(m);
  ck_assert_msg(open_llava("\"bos_seed\": true",
                           "\"bos_seed\": true, \"stop_ids\": [[835], [2277, 29937]], "
                           "\"keep_special\": true, \"strip_leading_ids\": [0, 1], "
                           "\"text_rules\": [[\"###\", 0], [\"Assistant:\", -1]]",
                           &m, &err) == LX_OK,
                "%s", err.msg);
  const lx_answer_rules *r = &m->cfg.decoding.answer;
  ck_assert(r->n_stop_ids == 2 && r->stop_ids[1].n == 2 && r->stop_ids[1].ids[1] == 29937);
  ck_assert(r->keep_special && r->n_strip_leading == 2 && r->strip_leading[1] == 1);
  ck_assert(r->n_text_rules == 2 && r->text_rules[1].take == -1);
  ck_assert_str_eq(r->text_rules[1].split, "Assistant:");
  lx_model_free(m);
  static const char *const bad[][3] = {
      {"\"mlp2x_gelu\"", "\"mlp3x_gelu\"", "projector.type is \"mlp3x_gelu\""},
      {"\"qkv_bias\": \"qkv\"", "\"qkv_bias\": \"k\"", "vision.qkv_bias is \"k\", not \"qv\" or"},
      {"\"act\": \"quick_gelu\"", "\"act\": \"relu\"", "vision.act is \"relu\""},
      {"\"features\": \"patches\"", "\"features\": \"cls\"", "vision.features is \"cls\""},
      {"\"num_frames\": 1", "\"num_frames\": 8", "preprocess.num_frames is 8"},
      {"\"resize\": \"hf_clip\"", "\"resize\": \"stretch\"", "preprocess.resize is \"stretch\""},
      {"\"adapter_every\": 0", "\"adapter_every\": 2", "no adapters"},
      {"USER: <image>", "USER: <image><image>", "must hold prompt.media_marker \"<image>\" once"},
      {"USER: {question} ASSISTANT", "USER: <image>{question} ASSISTANT",
       "text_only_template holds the media marker"},
      {"{\"llava-bench\": 1024}", "{\"llava-bench\": 0}", "max_new_tokens_by_task.llava-bench"},
      {"{\"llava-bench\": 1024}", "[1024]", "max_new_tokens_by_task must be an object"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"stop_strings\": [1]", "stop_strings holds"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"stop_strings\": \"###\"",
       "stop_strings must be an array"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"stop_from\": 0", "decoding.stop_from"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"repetition_penalty\": 0",
       "decoding.repetition_penalty"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"seed_id\": -2", "decoding.seed_id"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"replace_ids\": [[0, 2, 3]]",
       "replace_ids holds something not a [from, to] id pair"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"replace_ids\": [0, 2]",
       "replace_ids holds something not a [from, to] id pair"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"replace_ids\": {}",
       "replace_ids must be an array"},
      {"\"bos_seed\": true",
       "\"bos_seed\": true, \"replace_ids\": [[0, 2], [1, 2], [3, 2], [4, 2], [5, 2]]",
       "more than 4 pairs"},
      {"\"lowercase\": false", "\"lowercase\": false, \"short_answer_template\": \"Q:\"",
       "short_answer_template has no {question}"},
      {"\"lowercase\": false",
       "\"lowercase\": false, \"short_answer_template\": \"Question: {question} A:\"",
       "prompt.short_answer and prompt.short_answer_template: give one"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"stop_ids\": [[835], []]",
       "decoding.stop_ids must be an array of 1 to 4 ids"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"stop_ids\": [835]",
       "decoding.stop_ids must be an array of 1 to 4 ids"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"strip_leading_ids\": [-1]",
       "decoding.strip_leading_ids holds something not a token id"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"text_rules\": [[\"###\"]]",
       "text_rules holds something not a [\"separator\", index] pair"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"keep_special\": 1", "keep_special"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"short_answer\": 9",
       "decoding.short_answer must be an object"},
      {"\"bos_seed\": true", "\"bos_seed\": true, \"short_answer\": {\"max_new_tokens\": 0}",
       "decoding.short_answer"},
  };

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_int_eq(open_llava(bad[i][0], bad[i][1], &m, &err), LX_ERR);
    ck_assert_msg(strstr(err.msg, bad[i][2]) && strstr(err.msg, "config.json"), "%s: got '%s'",
                  bad[i][2], err.msg);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("config");
  TCase *tc = tcase_create("config");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, loads_the_real_lynx_config);
  tcase_add_test(tc, loads_cross_attention_variant);
  tcase_add_test(tc, refuses_bad_values);
  tcase_add_test(tc, refuses_missing_file);
  tcase_add_test(tc, refuses_unknown_family);
  tcase_add_test(tc, shapes_are_valid_configs);
  tcase_add_test(tc, llava_keys);
  suite_add_tcase(s, tc);
  return tu_run_suite(s, 0);
}
