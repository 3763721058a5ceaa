/* The run-time lexer (text/lexer.c) on small specs: longest match and rule order, each kind of
 * trailing context, caseless literals, classes, repetition and compile errors; then the PTB
 * tokenizer (text/ptb.c) on cases whose expected tokens come from the Java tokenizer itself
 * (the full vectors are tests/text/ptb/, run by test_ptb_vectors.py). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "testutil.h"
#include "text/caption_tokenizer.h"
#include "text/lexer.h"
#include "text/ptb.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const uint16_t LETTERS[][2] = {{'A', 'Z'}, {'a', 'z'}, {0xC0, 0xFF}};
static const lx_lexer_charset SETS[] = {{"letter", LETTERS, 3}};

static lx_lexer *compile(const lx_lexer_macro *macros, size_t n_macros, const lx_lexer_rule *rules,
                         size_t n_rules, bool caseless) {
  lx_lexer_spec spec = {macros, n_macros, rules, n_rules, SETS, COUNT(SETS), caseless};
  lx_lexer *lx = NULL;
  lx_error err;
  ck_assert_msg(lx_lexer_new(&spec, &lx, &err) == LX_OK, "%s", err.msg);
  return lx;
}

/* The tokens of an ASCII or \uHHHH-free text as "action:text" joined by spaces. */
static void scan(lx_lexer *lx, const char *text, char *out, size_t cap) {
  size_t n = strlen(text);
  uint16_t *u = calloc(n + 1, sizeof *u);
  for (size_t i = 0; i < n; i++) u[i] = (uint16_t)(unsigned char)text[i];
  lx_lexer_input in = {0};
  in.text = u;
  in.len = n;
  int action;
  size_t s, e, used = 0;
  out[0] = '\0';
  while (lx_lexer_next(lx, &in, &action, &s, &e)) {
    used += (size_t)snprintf(out + used, cap - used, "%s%d:%.*s", used ? " " : "", action,
                             (int)(e - s), text + s);
    ck_assert_uint_lt(used, cap);
  }
  lx_lexer_input_free(&in);
  free(u);
}

START_TEST(longest_match_then_first_rule) {
  static const lx_lexer_rule rules[] = {
      {"if", NULL, 1}, {"[a-z]+", NULL, 2}, {"[a-z]+", NULL, 3}, {"[ ]", NULL, 4}, {".", NULL, 5},
  };
  lx_lexer *lx = compile(NULL, 0, rules, COUNT(rules), false);
  char out[256];
  scan(lx, "if iffy x!", out, sizeof out);
  ck_assert_str_eq(out, "1:if 4:  2:iffy 4:  2:x 5:!");
  lx_lexer_free(lx);
}
END_TEST

START_TEST(trailing_context_kinds) {
  static const lx_lexer_macro macros[] = {{"ws", "[ ]|\\r?\\n"}};
  static const lx_lexer_rule rules[] = {
      {"'", "[a-z][a-z]", 1},         /* fixed-length r1: ends after 1 */
      {"[a-z]+", "[0-9][0-9]", 2},    /* fixed-length r2: the last 2 cut */
      {"[a-z]+\\.", "{ws}+[A-Z]", 3}, /* general: forward and backward */
      {"a(b|bc)", "c?de", 4},         /* general, with two ways to split */
      {"[a-z]+", NULL, 5},
      {".|\\n", NULL, 6},
  };
  lx_lexer *lx = compile(macros, COUNT(macros), rules, COUNT(rules), false);
  char out[256];
  scan(lx, "'ab xy12 etc.  The", out, sizeof out);
  ck_assert_str_eq(out, "1:' 5:ab 6:  2:xy 6:1 6:2 6:  3:etc. 6:  6:  6:T 5:he");
  /* "ab" + "cde" and "abc" + "de" both fit: the longer r1 wins */
  scan(lx, "abcde", out, sizeof out);
  ck_assert_str_eq(out, "4:abc 5:de");
  lx_lexer_free(lx);
}
END_TEST

START_TEST(caseless_literals_and_classes) {
  static const lx_lexer_rule rules[] = {
      {"skip", NULL, 1},
      {"[x]yz", NULL, 2},
      {"[:letter:]+", NULL, 3},
      {".|\\n", NULL, 4},
  };
  lx_lexer *lx = compile(NULL, 0, rules, COUNT(rules), true);
  char out[256];
  scan(lx, "SKIP sKiP xYZ XYZ", out, sizeof out);
  ck_assert_str_eq(out, "1:SKIP 4:  1:sKiP 4:  2:xYZ 4:  3:XYZ");
  lx_lexer_free(lx);
  /* JFlex 1.5's case classes: i also matches U+0130 and U+0131, k U+212A, s U+017F */
  static const lx_lexer_rule rules2[] = {{"kis", NULL, 1}, {".", NULL, 2}};
  lx = compile(NULL, 0, rules2, COUNT(rules2), true);
  const uint16_t text[] = {0x212A, 0x130, 0x17F, 'K', 0x131, 'S'};
  lx_lexer_input in = {0};
  in.text = text;
  in.len = COUNT(text);
  int action;
  size_t s, e;
  ck_assert(lx_lexer_next(lx, &in, &action, &s, &e));
  ck_assert_int_eq(action, 1);
  ck_assert_uint_eq(e, 3);
  ck_assert(lx_lexer_next(lx, &in, &action, &s, &e));
  ck_assert_int_eq(action, 1);
  ck_assert(!lx_lexer_next(lx, &in, &action, &s, &e));
  lx_lexer_input_free(&in);
  lx_lexer_free(lx);
}
END_TEST

START_TEST(classes_repetition_and_dot) {
  static const lx_lexer_rule rules[] = {
      {"[-a]+", NULL, 1},                        /* a leading dash is literal */
      {"[b-]+", NULL, 2},                        /* so is a dash before ']' */
      {"[,-/]+", NULL, 3},                       /* a range: , - . / */
      {"[^]x", NULL, 4},                         /* [^] is any character, newline included */
      {"q{2,3}", NULL, 5}, {"\"z z\"", NULL, 6}, /* a quoted string */
      {".", NULL, 7},                            /* anything but a line end */
      {"\\n", NULL, 8},
  };
  lx_lexer *lx = compile(NULL, 0, rules, COUNT(rules), false);
  char out[256];
  scan(lx, "a-a b-b ,./ \nx qqqqq z z", out, sizeof out);
  ck_assert_str_eq(out, "1:a-a 7:  2:b-b 7:  3:,./ 7:  4:\nx 7:  5:qqq 5:qq 7:  6:z z");
  lx_lexer_free(lx);
}
END_TEST

/* Longest match looks past each token; without remembering where such scans failed, "a,a,a,..."
 * would cost a scan to the end for every token. */
START_TEST(scans_stay_linear) {
  static const lx_lexer_rule rules[] = {
      {"[a-z]+", NULL, 1}, {"[a-z][^ @]*@[a-z]+", NULL, 2}, {".", NULL, 3}};
  lx_lexer *lx = compile(NULL, 0, rules, COUNT(rules), false);
  size_t n = 200000;
  uint16_t *text = malloc(n * sizeof *text);
  for (size_t i = 0; i < n; i++) text[i] = i % 2 ? ',' : 'a';
  lx_lexer_input in = {0};
  in.text = text;
  in.len = n;
  int action;
  size_t s, e, tokens = 0;
  while (lx_lexer_next(lx, &in, &action, &s, &e)) {
    ck_assert_int_eq(action, (s % 2) ? 3 : 1);
    ck_assert_uint_eq(e, s + 1);
    tokens++;
  }
  ck_assert_uint_eq(tokens, n);
  ck_assert_msg(in.steps < 100 * n, "%zu characters read for %zu", in.steps, n);
  lx_lexer_input_free(&in);
  free(text);
  lx_lexer_free(lx);
}
END_TEST

static void expect_compile_error(const char *pattern, const char *lookahead, const char *needle) {
  static const lx_lexer_macro macros[] = {{"m", "[a-"}};
  lx_lexer_rule rule = {pattern, lookahead, 1};
  lx_lexer_spec spec = {macros, COUNT(macros), &rule, 1, SETS, COUNT(SETS), false};
  lx_lexer *lx = NULL;
  lx_error err;
  ck_assert_int_eq(lx_lexer_new(&spec, &lx, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, needle) != NULL, "'%s' lacks '%s'", err.msg, needle);
  ck_assert(lx == NULL);
}

START_TEST(compile_errors_name_the_problem) {
  expect_compile_error("{nope}", NULL, "unknown {MACRO}");
  expect_compile_error("{m}", NULL, "macro m: an unterminated [class]");
  expect_compile_error("(ab", NULL, "expected ')'");
  expect_compile_error("ab)", NULL, "unexpected text");
  expect_compile_error("[z-a]", NULL, "runs backwards");
  expect_compile_error("a|", NULL, "an empty alternative");
  expect_compile_error("a+", "(b|cd)", "FINITE_CHOICE");
  expect_compile_error("\xC3\xA9", NULL, "\\uHHHH");
  expect_compile_error("~a", NULL, "not supported");
}
END_TEST

/* ---- the PTB tokenizer ---------------------------------------------------------------------- */

static void expect_tokens(const char *const *captions, size_t n, lx_ptb_output what,
                          const char *const *expected) {
  lx_ptb_lines out;
  lx_ptb_tokenize(captions, n, what, &out);
  ck_assert_uint_eq(out.n, n);
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(strcmp(out.line[i], expected[i]) == 0, "caption %zu '%s': got '%s', want '%s'", i,
                  captions[i], out.line[i], expected[i]);
  lx_ptb_lines_free(&out);
}

/* Expected values: the output of CoreNLP 3.4.1's PTBTokenizer -preserveLines -lowerCase. */
START_TEST(ptb_matches_the_java_tokenizer) {
  static const char *const in[] = {
      "A man (riding) a bike, laptops,computer on St. Louis st.",
      "cannot gonna 5:54pm #41 elephant/ old- fashioned.. \"Hi\" [x] {y}",
      "Second line... U.S. e-mail foo@bar.com http://x.org $5.00 3/4",
      "it's don't y'all 'tis rock'n'roll '90s (555) 123-4567 1 1/2 \xC2\xBD :) ^_^",
      "^.[^x=abc def<>] z", /* JFlex's "~" in the Asian-smiley rule */
      "I.",                 /* the next caption starts with "The": "I" and "." */
      "The end \xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3 \xC4\xB0nc. \xE2\x80\x94 a\xC2\xAD"
      "b",
  };
  static const char *const java[] = {
      "a man -lrb- riding -rrb- a bike , laptops , computer on st. louis st.",
      "can not gon na 5:54 pm # 41 elephant / old - fashioned . . `` hi '' -lsb- x -rsb- -lcb- y "
      "-rcb-",
      "second line ... u.s. e-mail foo@bar.com http://x.org $ 5.00 3/4",
      "it 's do n't y' all 't is rock 'n' roll '90s -lrb-555-rrb-\xC2\xA0"
      "123-4567 1\xC2\xA0"
      "1/2 1/2 :-rrb- ^_^",
      "^.[^x=abc def<>] z",
      "i .",
      "the end \xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82 i\xCC\x87nc. -- ab",
  };
  static const char *const coco[] = {
      /* the drop list is upper case: the lower-cased brackets stay, as in pycocoevalcap */
      "a man -lrb- riding -rrb- a bike laptops computer on st. louis st.",
      "can not gon na 5:54 pm # 41 elephant / old fashioned hi -lsb- x -rsb- -lcb- y -rcb-",
      "second line u.s. e-mail foo@bar.com http://x.org $ 5.00 3/4",
      "it 's do n't y' all 't is rock 'n' roll '90s -lrb-555-rrb-\xC2\xA0"
      "123-4567 1\xC2\xA0"
      "1/2 1/2 :-rrb- ^_^",
      "^.[^x=abc def<>] z",
      "i",
      "the end \xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82 i\xCC\x87nc. ab",
  };
  expect_tokens(in, COUNT(in), LX_PTB_JAVA, java);
  expect_tokens(in, COUNT(in), LX_PTB_COCO, coco);
}
END_TEST

START_TEST(ptb_line_breaks_stay_with_their_caption) {
  /* Java ends a line at \r, U+2028 ...; pycocoevalcap would then misalign every later caption.
   * Here the break is a space and each caption keeps its tokens. */
  static const char *const in[] = {"a\rb",
                                   "c\xE2\x80\xA8"
                                   "d",
                                   "e\r", "f\ng"};
  static const char *const want[] = {"a b", "c d", "e", "f g"};
  lx_ptb_lines out;
  lx_ptb_tokenize(in, COUNT(in), LX_PTB_COCO, &out);
  for (size_t i = 0; i < COUNT(in); i++) ck_assert_str_eq(out.line[i], want[i]);
  ck_assert_uint_eq(out.line_breaks, 2); /* "e\r" + the separator "\n" is one line end */
  lx_ptb_lines_free(&out);
  lx_ptb_tokenize(NULL, 0, LX_PTB_COCO, &out);
  ck_assert_uint_eq(out.n, 0);
  lx_ptb_lines_free(&out);
}
END_TEST

START_TEST(caption_tokenizers_by_name) {
  lx_caption_tokenizer t;
  ck_assert(lx_caption_tokenizer_parse("ptb-3.4.1", &t) && t == LX_CAPTION_PTB);
  ck_assert(lx_caption_tokenizer_parse("ptb-approx-1", &t) && t == LX_CAPTION_PTB_APPROX);
  ck_assert(lx_caption_tokenizer_parse("none", &t) && t == LX_CAPTION_PRETOKENIZED);
  ck_assert(!lx_caption_tokenizer_parse("ptb", &t));
  static const char *const in[] = {"A dog's toy, (red).", "x  y"};
  lx_ptb_lines out;
  lx_caption_tokenize(LX_CAPTION_PRETOKENIZED, in, 2, &out);
  ck_assert_str_eq(out.line[1], "x  y");
  lx_ptb_lines_free(&out);
  lx_caption_tokenize(LX_CAPTION_PTB, in, 2, &out);
  ck_assert_str_eq(out.line[0], "a dog 's toy -lrb- red -rrb-");
  lx_ptb_lines_free(&out);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("lexer");
  TCase *tc = tcase_create("all");
  tcase_add_test(tc, longest_match_then_first_rule);
  tcase_add_test(tc, trailing_context_kinds);
  tcase_add_test(tc, caseless_literals_and_classes);
  tcase_add_test(tc, classes_repetition_and_dot);
  tcase_add_test(tc, scans_stay_linear);
  tcase_add_test(tc, compile_errors_name_the_problem);
  tcase_add_test(tc, ptb_matches_the_java_tokenizer);
  tcase_add_test(tc, ptb_line_breaks_stay_with_their_caption);
  tcase_add_test(tc, caption_tokenizers_by_name);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tu_run_suite(suite(), 0);
}
