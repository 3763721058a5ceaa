/* The tokenizer, Python-exact Unicode helpers and the prompt pipeline against the oracle data of
 * tests/tokenizer/ (made by make_cases.py with python3-sentencepiece 0.1.97 and
 * llama-tokenizer-js). Needs LX_TOKENIZER_DIR (ctest sets it). */
#include <cJSON.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/unicode.h"
#include "testutil.h"
#include "text/prompt.h"
#include "text/tokenizer.h"
#include "text/wordpiece.h"

static const char *data_dir;
static cJSON *expected, *corpus;

/* Called before the tests run: reports problems itself and returns NULL. */
static lx_tokenizer *load_model(const char *file) {
  char *rel = malloc(strlen(file) + 16);
  sprintf(rel, "models/%s", file);
  char *p = lx_path_join(data_dir, rel);
  lx_tokenizer *t;
  lx_error err;
  ck_assert_msg(lx_tokenizer_load(p, &t, &err) == LX_OK, "%s", err.msg);
  free(p);
  free(rel);
  return t;
}

static int *json_ids(const cJSON *arr, int *n) {
  *n = cJSON_GetArraySize(arr);
  int *v = malloc(sizeof(int) * (size_t)(*n + 1));
  for (int i = 0; i < *n; i++) v[i] = cJSON_GetArrayItem(arr, i)->valueint;
  return v;
}

/* Compares ids and prints the first difference. */
static int same_ids(const char *what, const lx_ints *got, const cJSON *want_arr) {
  int n;
  int *want = json_ids(want_arr, &n);
  int ok = got->len == n;
  for (int i = 0; ok && i < n; i++) ok = got->v[i] == want[i];
  if (!ok) {
    int i = 0;
    while (i < n && i < got->len && got->v[i] == want[i]) i++;
    fprintf(stderr, "%s: ids differ at %d (got %d ids, want %d): got %d, want %d\n", what, i,
            got->len, n, i < got->len ? got->v[i] : -1, i < n ? want[i] : -1);
  }
  free(want);
  return ok;
}

static size_t b64_decode(const char *in, unsigned char *out) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = 0;
  unsigned acc = 0;
  int bits = 0;
  for (; *in && *in != '='; in++) {
    const char *p = strchr(tbl, *in);
    if (!p) continue;
    acc = acc << 6 | (unsigned)(p - tbl);
    bits += 6;
    if (bits >= 8) out[n++] = (unsigned char)(acc >> (bits -= 8));
  }
  return n;
}

/* Every model: encode and decode every text and byte string as python3-sentencepiece does. */
START_TEST(sentencepiece_encode_decode) {
  const cJSON *models = cJSON_GetObjectItem(expected, "models"), *m;
  const cJSON *texts = cJSON_GetObjectItem(corpus, "texts");
  const cJSON *bytes = cJSON_GetObjectItem(corpus, "bytes_base64");
  int failures = 0, checked = 0;
  cJSON_ArrayForEach(m, models) {
    char file[64];
    snprintf(file, sizeof file, "%s.model", m->string);
    lx_tokenizer *t = load_model(file);
    ck_assert_int_eq(lx_tokenizer_size(t), cJSON_GetObjectItem(m, "size")->valueint);
    lx_error err;
    for (int i = 0; i < cJSON_GetArraySize(texts); i++) {
      const char *text = cJSON_GetArrayItem(texts, i)->valuestring;
      const cJSON *want = cJSON_GetArrayItem(cJSON_GetObjectItem(m, "encode"), i);
      lx_ints ids = {0};
      lx_strbuf dec = {0};
      ck_assert(lx_tokenizer_encode(t, text, strlen(text), &ids, &err) == LX_OK);
      char what[160];
      snprintf(what, sizeof what, "%s: encode text %d", m->string, i);
      if (!same_ids(what, &ids, cJSON_GetObjectItem(want, "ids"))) failures++;
      ck_assert(lx_tokenizer_decode(t, ids.v, ids.len, false, &dec, &err) == LX_OK);
      if (strcmp(lx_strbuf_str(&dec), cJSON_GetObjectItem(want, "decoded")->valuestring) != 0) {
        fprintf(stderr, "%s: decode of text %d: got '%s' want '%s'\n", m->string, i,
                lx_strbuf_str(&dec), cJSON_GetObjectItem(want, "decoded")->valuestring);
        failures++;
      }
      checked++;
      lx_ints_free(&ids);
      lx_strbuf_free(&dec);
    }
    for (int i = 0; i < cJSON_GetArraySize(bytes); i++) {
      unsigned char raw[256];
      size_t n = b64_decode(cJSON_GetArrayItem(bytes, i)->valuestring, raw);
      const cJSON *want = cJSON_GetArrayItem(cJSON_GetObjectItem(m, "encode_bytes"), i);
      lx_ints ids = {0};
      ck_assert(lx_tokenizer_encode(t, (const char *)raw, n, &ids, &err) == LX_OK);
      char what[160];
      snprintf(what, sizeof what, "%s: encode byte string %d", m->string, i);
      if (!same_ids(what, &ids, cJSON_GetObjectItem(want, "ids"))) failures++;
      checked++;
      lx_ints_free(&ids);
    }
    const cJSON *d;
    cJSON_ArrayForEach(d, cJSON_GetObjectItem(m, "decode")) {
      int n;
      int *ids = json_ids(cJSON_GetObjectItem(d, "ids"), &n);
      lx_strbuf dec = {0};
      ck_assert(lx_tokenizer_decode(t, ids, n, false, &dec, &err) == LX_OK);
      if (strcmp(lx_strbuf_str(&dec), cJSON_GetObjectItem(d, "decoded")->valuestring) != 0) {
        fprintf(stderr, "%s: decode of a hand-made sequence: got '%s' want '%s'\n", m->string,
                lx_strbuf_str(&dec), cJSON_GetObjectItem(d, "decoded")->valuestring);
        failures++;
      }
      checked++;
      free(ids);
      lx_strbuf_free(&dec);
    }
    lx_tokenizer_free(t);
  }
  printf("  %d tokenizer comparisons, %d differences\n", checked, failures);
  ck_assert_int_eq(failures, 0);
  ck_assert_int_gt(checked, 300);
}
END_TEST

/* LLaMA's real vocabulary: llama-tokenizer-js's cases (ids from the real tokenizer), from the
 * rebuilt tokenizer.model and from tokenizer.json; and the corpus through tokenizer.json. */
static void check_llama_file(const char *file) {
  lx_tokenizer *t = load_model(file);
  const cJSON *llama = cJSON_GetObjectItem(cJSON_GetObjectItem(expected, "models"), "llama");
  const cJSON *c;
  lx_error err;
  int failures = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(llama, "js_cases")) {
    const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
    lx_ints ids = {0};
    lx_ints_push(&ids, 1);
    ck_assert(lx_tokenizer_encode(t, text, strlen(text), &ids, &err) == LX_OK);
    if (!same_ids(file, &ids, cJSON_GetObjectItem(c, "ids"))) failures++;
    lx_ints_free(&ids);
  }
  const cJSON *texts = cJSON_GetObjectItem(corpus, "texts");
  for (int i = 0; i < cJSON_GetArraySize(texts); i++) {
    const char *text = cJSON_GetArrayItem(texts, i)->valuestring;
    lx_ints ids = {0};
    ck_assert(lx_tokenizer_encode(t, text, strlen(text), &ids, &err) == LX_OK);
    char what[128];
    snprintf(what, sizeof what, "%s: corpus text %d", file, i);
    if (!same_ids(what, &ids,
                  cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(llama, "encode"), i),
                                      "ids")))
      failures++;
    lx_ints_free(&ids);
  }
  ck_assert_msg(failures == 0, "%s: %d differences", file, failures);
  lx_tokenizer_free(t);
}

START_TEST(llama_real_vocabulary_model) {
  check_llama_file("llama.model");
}
END_TEST

START_TEST(llama_real_vocabulary_json) {
  check_llama_file("llama.json");
}
END_TEST

/* Hugging Face's slow tokenize: special tokens split out, [PAD]'s neighbours stripped. */
START_TEST(hf_tokenize_with_specials) {
  lx_tokenizer *t = load_model("llama.model");
  lx_error err;
  ck_assert_msg(lx_tokenizer_add_lynx_specials(t, 1, 2, 0, 32000, &err) == LX_OK, "%s", err.msg);
  ck_assert_int_eq(lx_tokenizer_size(t), 32001);
  ck_assert_str_eq(lx_tokenizer_piece(t, 32000), "[PAD]");
  const cJSON *llama = cJSON_GetObjectItem(cJSON_GetObjectItem(expected, "models"), "llama");
  const cJSON *c;
  int failures = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(llama, "hf_tokenize")) {
    const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
    lx_ints ids = {0};
    ck_assert(lx_tokenizer_tokenize(t, text, strlen(text), &ids, &err) == LX_OK);
    if (!same_ids(text, &ids, cJSON_GetObjectItem(c, "ids"))) failures++;
    /* decode(skip_special_tokens=True) drops <s>, </s>, <unk> and [PAD] */
    lx_strbuf with = {0}, without = {0};
    ck_assert(lx_tokenizer_decode(t, ids.v, ids.len, true, &without, &err) == LX_OK);
    ck_assert(strstr(lx_strbuf_str(&without), "[PAD]") == NULL);
    ck_assert(lx_tokenizer_decode(t, ids.v, ids.len, false, &with, &err) == LX_OK);
    lx_strbuf_free(&with);
    lx_strbuf_free(&without);
    lx_ints_free(&ids);
  }
  ck_assert_int_eq(failures, 0);
  /* Malformed UTF-8 cannot be a Python str: refused. */
  lx_ints ids = {0};
  ck_assert_int_eq(lx_tokenizer_tokenize(t, "a\xff", 2, &ids, &err), LX_ERR);
  ck_assert(strstr(err.msg, "not valid UTF-8") != NULL);
  lx_ints_free(&ids);
  lx_tokenizer_free(t);
}
END_TEST

START_TEST(python_lower_and_strip) {
  const cJSON *c;
  int failures = 0, n = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(expected, "unicode")) {
    const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
    lx_strbuf low = {0};
    lx_py_lower(text, strlen(text), &low);
    if (strcmp(lx_strbuf_str(&low), cJSON_GetObjectItem(c, "lower")->valuestring) != 0) {
      fprintf(stderr, "lower('%s'): got '%s' want '%s'\n", text, lx_strbuf_str(&low),
              cJSON_GetObjectItem(c, "lower")->valuestring);
      failures++;
    }
    size_t b, e;
    lx_py_strip(text, strlen(text), &b, &e);
    const char *want = cJSON_GetObjectItem(c, "strip")->valuestring;
    if (e - b != strlen(want) || memcmp(text + b, want, e - b) != 0) {
      fprintf(stderr, "strip('%s') differs\n", text);
      failures++;
    }
    lx_strbuf_free(&low);
    n++;
  }
  printf("  %d Unicode strings, %d differences\n", n, failures);
  ck_assert_int_eq(failures, 0);
  ck_assert_int_gt(n, 200);
}
END_TEST

/* The whole prompt pipeline against the reference dataset code, on LLaMA's vocabulary. */
START_TEST(prompt_ids_match_reference) {
  lx_tokenizer *t = load_model("llama.model");
  lx_error err;
  ck_assert(lx_tokenizer_add_lynx_specials(t, 1, 2, 0, 32000, &err) == LX_OK);
  lx_prompt_config cfg = {.lowercase = true, .max_input_tokens = 40};
  strcpy(cfg.template_, "User: {question}\nBot:");
  const cJSON *llama = cJSON_GetObjectItem(cJSON_GetObjectItem(expected, "models"), "llama");
  const cJSON *c;
  int truncated = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(llama, "prompts")) {
    const char *q = cJSON_GetObjectItem(c, "question")->valuestring;
    lx_strbuf text = {0};
    ck_assert_msg(lx_prompt_text(&cfg, q, &text, &err) == LX_OK, "%s", err.msg);
    ck_assert_str_eq(lx_strbuf_str(&text), cJSON_GetObjectItem(c, "text")->valuestring);
    lx_ints ids = {0};
    int dropped = -1;
    ck_assert_msg(lx_prompt_ids(t, &cfg, 1, q, true, &ids, &dropped, &err) == LX_OK, "%s", err.msg);
    ck_assert_msg(same_ids(q, &ids, cJSON_GetObjectItem(c, "ids")), "prompt ids differ");
    truncated += dropped > 0;
    lx_strbuf_free(&text);
    lx_ints_free(&ids);
  }
  ck_assert_int_ge(truncated, 1); /* the long question lost its beginning, <s> included */
  lx_ints ids = {0};
  ck_assert_int_eq(lx_prompt_ids(t, &cfg, 1, "  \t ", true, &ids, NULL, &err), LX_ERR);
  ck_assert(strstr(err.msg, "question is empty") != NULL);
  char *huge = malloc(LX_MAX_QUESTION_BYTES + 2);
  memset(huge, 'a', LX_MAX_QUESTION_BYTES + 1);
  huge[LX_MAX_QUESTION_BYTES + 1] = '\0';
  ck_assert_int_eq(lx_prompt_ids(t, &cfg, 1, huge, true, &ids, NULL, &err), LX_ERR);
  ck_assert(strstr(err.msg, "more than the") != NULL);
  free(huge);
  ck_assert_int_eq(lx_prompt_ids(t, &cfg, 1, "bad \xc3(", true, &ids, NULL, &err), LX_ERR);
  ck_assert(strstr(err.msg, "not valid UTF-8") != NULL);
  lx_ints_free(&ids);
  lx_tokenizer_free(t);
}
END_TEST

START_TEST(template_formatting) {
  const char *keys[2] = {"question", "answer"}, *values[2] = {"why?", "because"};
  lx_strbuf out = {0};
  lx_error err;
  ck_assert(lx_format_template("Q: {question} {{literal}} A: {answer}", keys, values, 2, &out,
                               &err) == LX_OK);
  ck_assert_str_eq(lx_strbuf_str(&out), "Q: why? {literal} A: because");
  const char *bad[] = {"{missing}", "{question!r}", "{question:>5}", "{0}", "{", "}", "{}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    lx_strbuf_clear(&out);
    ck_assert_msg(lx_format_template(bad[i], keys, values, 2, &out, &err) == LX_ERR, "%s", bad[i]);
    ck_assert(strstr(err.msg, "prompt template") != NULL);
  }
  lx_strbuf_free(&out);
}
END_TEST

static void expect_load_error(const char *path, const char *needle) {
  lx_tokenizer *t = NULL;
  lx_error err = {{0}};
  ck_assert_int_eq(lx_tokenizer_load(path, &t, &err), LX_ERR);
  ck_assert_ptr_null(t);
  ck_assert_msg(strstr(err.msg, needle) != NULL, "'%s' lacks '%s'", err.msg, needle);
}

START_TEST(bad_tokenizer_files) {
  char *dir = tu_tempdir();
  char *p = lx_path_join(data_dir, "models/unigram-300.model");
  expect_load_error(p, "unigram");
  free(p);
  /* A truncated model: the protobuf ends inside a piece. */
  char *src = lx_path_join(data_dir, "models/bpe-identity-400.model"), *text;
  size_t len;
  lx_error err;
  ck_assert(lx_read_file(src, 1 << 24, &text, &len, &err) == LX_OK);
  p = tu_write(dir, "trunc.model", text, len / 2 + 1);
  expect_load_error(p, "bad protobuf");
  free(p);
  free(text);
  free(src);
  p = tu_write(dir, "garbage.model", "\xff\xff\xff\xff\xff", 5);
  expect_load_error(p, "not a SentencePiece model");
  free(p);
  p = tu_write(dir, "empty.model", "", 0);
  expect_load_error(p, "no pieces");
  free(p);
  p = tu_write(dir, "bad.json", "{\"model\": {\"type\": \"Unigram\"}}", 30);
  expect_load_error(p, "not \"BPE\"");
  free(p);
  p = tu_write(dir, "broken.json", "{\"model\": ", 10);
  expect_load_error(p, "not valid JSON");
  free(p);
  expect_load_error("/nonexistent/tokenizer.model", "cannot open");
  tu_rmtree(dir);
}
END_TEST

/* decode with the special tokens kept, against transformers 4.28.0's slow LlamaTokenizer on LLaMA's
 * vocabulary (keep_special.json, made by make_keep_special.py): pad = eos (MiniGPT-4's), and a
 * "[PAD]" appended. */
START_TEST(decode_keep_special_matches_transformers) {
  cJSON *ks = tu_load_json(data_dir, "keep_special.json");
  ck_assert_ptr_nonnull(ks);
  lx_tokenizer *pad_is_eos = load_model("llama.model"), *pad_added = load_model("llama.model");
  lx_error err;
  ck_assert(lx_tokenizer_add_lynx_specials(pad_is_eos, 1, 2, 0, 2, &err) == LX_OK);
  ck_assert(lx_tokenizer_add_lynx_specials(pad_added, 1, 2, 0, 32000, &err) == LX_OK);
  int n = 0, failures = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(ks, "cases")) {
    const bool added = strcmp(cJSON_GetObjectItem(c, "tokenizer")->valuestring, "pad_added") == 0;
    int n_ids;
    int *ids = json_ids(cJSON_GetObjectItem(c, "ids"), &n_ids);
    lx_strbuf got = {0};
    ck_assert_msg(lx_tokenizer_decode_keep_special(added ? pad_added : pad_is_eos, ids, n_ids, &got,
                                                   &err) == LX_OK,
                  "%s", err.msg);
    const char *want = cJSON_GetObjectItem(c, "text")->valuestring;
    if (strcmp(lx_strbuf_str(&got), want) != 0) {
      fprintf(stderr, "keep-special case %d: got '%s' want '%s'\n", n, lx_strbuf_str(&got), want);
      failures++;
    }
    lx_strbuf_free(&got);
    free(ids);
    n++;
  }
  printf("  keep-special decoding: %d cases, %d differences\n", n, failures);
  ck_assert_int_eq(failures, 0);
  ck_assert_int_ge(n, 30);
  int bad = 32001;
  lx_strbuf out = {0};
  ck_assert_int_eq(lx_tokenizer_decode_keep_special(pad_added, &bad, 1, &out, &err), LX_ERR);
  lx_strbuf_free(&out);
  lx_tokenizer_free(pad_is_eos);
  lx_tokenizer_free(pad_added);
  cJSON_Delete(ks);
}
END_TEST

/* BERT WordPiece against the vectors of tests/tokenizer/wordpiece/ (a re-derivation of the slow
 * BertTokenizer, itself checked against transformers 4.33.2 by check_transformers.py). */
START_TEST(wordpiece_matches_bert_tokenizer) {
  char *vocab = lx_path_join(data_dir, "wordpiece/vocab.txt");
  lx_wordpiece *t;
  lx_error err;
  ck_assert_msg(lx_wordpiece_load(vocab, &t, &err) == LX_OK, "%s", err.msg);
  ck_assert_int_eq(lx_wordpiece_size(t), 2370);
  ck_assert_str_eq(lx_wordpiece_token(t, 2369), "[DEC]");
  ck_assert_ptr_null(lx_wordpiece_token(t, 2370));
  cJSON *wp = tu_load_json(data_dir, "wordpiece/expected.json");
  ck_assert_ptr_nonnull(wp);
  int failures = 0, n = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(wp, "cases")) {
    const char *b64 = cJSON_GetObjectItem(c, "utf8_base64")->valuestring;
    unsigned char *text = malloc(strlen(b64) + 1);
    size_t len = b64_decode(b64, text);
    lx_ints ids = {0}, enc = {0};
    ck_assert_msg(lx_wordpiece_tokenize(t, (char *)text, len, &ids, &err) == LX_OK, "%s", err.msg);
    ck_assert(lx_wordpiece_encode(t, (char *)text, len, 128, &enc, &err) == LX_OK);
    char what[64];
    snprintf(what, sizeof what, "wordpiece case %d", n);
    failures += !same_ids(what, &ids, cJSON_GetObjectItem(c, "tokenize"));
    failures += !same_ids(what, &enc, cJSON_GetObjectItem(c, "encode_128"));
    lx_ints_free(&ids);
    lx_ints_free(&enc);
    free(text);
    n++;
  }
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(wp, "lengths")) {
    const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
    lx_ints enc = {0};
    int max_length = cJSON_GetObjectItem(c, "max_length")->valueint;
    ck_assert(lx_wordpiece_encode(t, text, strlen(text), max_length, &enc, &err) == LX_OK);
    failures += !same_ids("wordpiece max_length", &enc, cJSON_GetObjectItem(c, "ids"));
    lx_ints_free(&enc);
    n++;
  }
  printf("  WordPiece: %d cases, %d differences\n", n, failures);
  ck_assert_int_eq(failures, 0);
  ck_assert_int_gt(n, 300);
  /* Malformed UTF-8 and a max_length with no room for text are refused. */
  lx_ints ids = {0};
  ck_assert_int_eq(lx_wordpiece_tokenize(t, "a\xff", 2, &ids, &err), LX_ERR);
  ck_assert(strstr(err.msg, "not UTF-8") != NULL);
  ck_assert_int_eq(lx_wordpiece_encode(t, "a", 1, 2, &ids, &err), LX_ERR);
  ck_assert(strstr(err.msg, "max_length 2") != NULL);
  lx_ints_free(&ids);
  cJSON_Delete(wp);
  lx_wordpiece_free(t);
  free(vocab);
}
END_TEST

static void expect_vocab_error(const char *path, const char *needle) {
  lx_wordpiece *t = (lx_wordpiece *)1;
  lx_error err;
  ck_assert_int_eq(lx_wordpiece_load(path, &t, &err), LX_ERR);
  ck_assert_ptr_null(t);
  ck_assert_msg(strstr(err.msg, needle) != NULL, "'%s' lacks '%s'", err.msg, needle);
  ck_assert_msg(strstr(err.msg, path) != NULL, "'%s' does not name the file", err.msg);
}

/* Lines as Python's text mode splits them, the last of a repeated token winning, and refusals. */
START_TEST(wordpiece_vocabulary_files) {
  char *dir = tu_tempdir();
  static const char crlf[] = "[PAD]\r\n[UNK]\r[CLS]\n[SEP]\r\nab\n##c\nab\nx";
  char *p = tu_write(dir, "vocab.txt", crlf, sizeof crlf - 1);
  lx_wordpiece *t;
  lx_error err;
  ck_assert_msg(lx_wordpiece_load(p, &t, &err) == LX_OK, "%s", err.msg);
  ck_assert_int_eq(lx_wordpiece_size(t), 8);
  ck_assert_str_eq(lx_wordpiece_token(t, 7), "x");
  lx_ints ids = {0};
  ck_assert(lx_wordpiece_encode(t, "ABC ab? [SEP]", 13, 16, &ids, &err) == LX_OK);
  /* [CLS] ab(the last line) ##c ab [UNK](?) [SEP] [SEP] */
  int want[] = {2, 6, 5, 6, 1, 3, 3};
  ck_assert_int_eq(ids.len, 7);
  for (int i = 0; i < 7; i++) ck_assert_int_eq(ids.v[i], want[i]);
  lx_ints_free(&ids);
  lx_wordpiece_free(t);
  free(p);
  p = tu_write(dir, "nounk.txt", "[PAD]\n[CLS]\n[SEP]\n", strlen("[PAD]\n[CLS]\n[SEP]\n"));
  expect_vocab_error(p, "no line \"[UNK]\"");
  free(p);
  p = tu_write(dir, "latin1.txt", "[UNK]\n[CLS]\n[SEP]\ncaf\xe9\n", 23);
  expect_vocab_error(p, "line 4: not UTF-8");
  free(p);
  p = tu_write(dir, "empty.txt", "", 0);
  expect_vocab_error(p, "not a BERT vocabulary");
  free(p);
  expect_vocab_error("/nonexistent/vocab.txt", "cannot open");
  tu_rmtree(dir);
}
END_TEST

int main(void) {
  data_dir = getenv("LX_TOKENIZER_DIR");
  if (!data_dir) {
    fprintf(stderr, "test_tokenizer: set LX_TOKENIZER_DIR (ctest does)\n");
    return EXIT_FAILURE;
  }
  expected = tu_load_json(data_dir, "expected.json");
  corpus = tu_load_json(data_dir, "corpus.json");
  if (!expected || !corpus) return EXIT_FAILURE;
  Suite *s = suite_create("tokenizer");
  TCase *tc = tcase_create("tokenizer");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, sentencepiece_encode_decode);
  tcase_add_test(tc, llama_real_vocabulary_model);
  tcase_add_test(tc, llama_real_vocabulary_json);
  tcase_add_test(tc, hf_tokenize_with_specials);
  tcase_add_test(tc, python_lower_and_strip);
  tcase_add_test(tc, prompt_ids_match_reference);
  tcase_add_test(tc, template_formatting);
  tcase_add_test(tc, bad_tokenizer_files);
  tcase_add_test(tc, decode_keep_special_matches_transformers);
  tcase_add_test(tc, wordpiece_matches_bert_tokenizer);
  tcase_add_test(tc, wordpiece_vocabulary_files);
  suite_add_tcase(s, tc);
  int status = tu_run_suite(s, 1);
  cJSON_Delete(expected);
  cJSON_Delete(corpus);
  return status;
}
