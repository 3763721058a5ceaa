#include "scorers/vqa_accuracy.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/names.h"
#include "common/unicode.h"

/* The punctuation list of vqaEval.py, in its order. */
static const char PUNCT[] = ";/[]\"{}()=+\\_-><@`,?!";
/* Periods removed per call: vqaEval.py passes re.UNICODE (= 32) as re.sub's count. */
#define PERIODS_REMOVED_AT_MOST 32

/* manualMap of vqaEval.py */
static const lx_word_map NUMBER_WORDS[] = {
    {"none", "0"}, {"zero", "0"}, {"one", "1"},   {"two", "2"},   {"three", "3"}, {"four", "4"},
    {"five", "5"}, {"six", "6"},  {"seven", "7"}, {"eight", "8"}, {"nine", "9"},  {"ten", "10"},
};

/* The contraction table of vqaEval.py, entries and quirks as they are (keys with capitals never
 * match after lowercasing; "somebody'd" maps to "somebodyd"). */
static const lx_word_map CONTRACTIONS[] = {
    {"aint", "ain't"},
    {"arent", "aren't"},
    {"cant", "can't"},
    {"couldve", "could've"},
    {"couldnt", "couldn't"},
    {"couldn'tve", "couldn't've"},
    {"couldnt've", "couldn't've"},
    {"didnt", "didn't"},
    {"doesnt", "doesn't"},
    {"dont", "don't"},
    {"hadnt", "hadn't"},
    {"hadnt've", "hadn't've"},
    {"hadn'tve", "hadn't've"},
    {"hasnt", "hasn't"},
    {"havent", "haven't"},
    {"hed", "he'd"},
    {"hed've", "he'd've"},
    {"he'dve", "he'd've"},
    {"hes", "he's"},
    {"howd", "how'd"},
    {"howll", "how'll"},
    {"hows", "how's"},
    {"Id've", "I'd've"},
    {"I'dve", "I'd've"},
    {"Im", "I'm"},
    {"Ive", "I've"},
    {"isnt", "isn't"},
    {"itd", "it'd"},
    {"itd've", "it'd've"},
    {"it'dve", "it'd've"},
    {"itll", "it'll"},
    {"let's", "let's"},
    {"maam", "ma'am"},
    {"mightnt", "mightn't"},
    {"mightnt've", "mightn't've"},
    {"mightn'tve", "mightn't've"},
    {"mightve", "might've"},
    {"mustnt", "mustn't"},
    {"mustve", "must've"},
    {"neednt", "needn't"},
    {"notve", "not've"},
    {"oclock", "o'clock"},
    {"oughtnt", "oughtn't"},
    {"ow's'at", "'ow's'at"},
    {"'ows'at", "'ow's'at"},
    {"'ow'sat", "'ow's'at"},
    {"shant", "shan't"},
    {"shed've", "she'd've"},
    {"she'dve", "she'd've"},
    {"she's", "she's"},
    {"shouldve", "should've"},
    {"shouldnt", "shouldn't"},
    {"shouldnt've", "shouldn't've"},
    {"shouldn'tve", "shouldn't've"},
    {"somebody'd", "somebodyd"},
    {"somebodyd've", "somebody'd've"},
    {"somebody'dve", "somebody'd've"},
    {"somebodyll", "somebody'll"},
    {"somebodys", "somebody's"},
    {"someoned", "someone'd"},
    {"someoned've", "someone'd've"},
    {"someone'dve", "someone'd've"},
    {"someonell", "someone'll"},
    {"someones", "someone's"},
    {"somethingd", "something'd"},
    {"somethingd've", "something'd've"},
    {"something'dve", "something'd've"},
    {"somethingll", "something'll"},
    {"thats", "that's"},
    {"thered", "there'd"},
    {"thered've", "there'd've"},
    {"there'dve", "there'd've"},
    {"therere", "there're"},
    {"theres", "there's"},
    {"theyd", "they'd"},
    {"theyd've", "they'd've"},
    {"they'dve", "they'd've"},
    {"theyll", "they'll"},
    {"theyre", "they're"},
    {"theyve", "they've"},
    {"twas", "'twas"},
    {"wasnt", "wasn't"},
    {"wed've", "we'd've"},
    {"we'dve", "we'd've"},
    {"weve", "we've"},
    {"werent", "weren't"},
    {"whatll", "what'll"},
    {"whatre", "what're"},
    {"whats", "what's"},
    {"whatve", "what've"},
    {"whens", "when's"},
    {"whered", "where'd"},
    {"wheres", "where's"},
    {"whereve", "where've"},
    {"whod", "who'd"},
    {"whod've", "who'd've"},
    {"who'dve", "who'd've"},
    {"wholl", "who'll"},
    {"whos", "who's"},
    {"whove", "who've"},
    {"whyll", "why'll"},
    {"whyre", "why're"},
    {"whys", "why's"},
    {"wont", "won't"},
    {"wouldve", "would've"},
    {"wouldnt", "wouldn't"},
    {"wouldnt've", "wouldn't've"},
    {"wouldn'tve", "wouldn't've"},
    {"yall", "y'all"},
    {"yall'll", "y'all'll"},
    {"y'allll", "y'all'll"},
    {"yall'd've", "y'all'd've"},
    {"y'alld've", "y'all'd've"},
    {"y'all'dve", "y'all'd've"},
    {"youd", "you'd"},
    {"youd've", "you'd've"},
    {"you'dve", "you'd've"},
    {"youll", "you'll"},
    {"youre", "you're"},
    {"youve", "you've"},
};

static const char *const ARTICLES[] = {"a", "an", "the"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const mode_names[] = {"official-2017", "official-2021", "always", NULL};

bool lx_vqa_mode_parse(const char *name, lx_vqa_mode *mode) {
  int i = lx_name_index(mode_names, name);
  if (i < 0) return false;
  *mode = (lx_vqa_mode)i;
  return true;
}

const char *lx_vqa_mode_name(lx_vqa_mode mode) {
  return lx_name_at(mode_names, (int)mode);
}

/* The code point at s[i] (s is NUL-terminated), or 0 at the end. */
static uint32_t code_point_at(const char *s, size_t n, size_t i, size_t *len) {
  if (i >= n) {
    *len = 0;
    return 0;
  }
  return lx_utf8_decode(s + i, n - i, len);
}

static bool is_decimal_at(const char *s, size_t n, size_t i) {
  size_t len;
  uint32_t cp = code_point_at(s, n, i, &len);
  return len && cp != LX_UTF8_INVALID && lx_py_isdecimal(cp);
}

/* re.search("(\\d)(,)(\\d)", text) */
static bool has_digit_comma_digit(const char *s, size_t n) {
  size_t prev_start = (size_t)-1, i = 0;
  while (i < n) {
    size_t len;
    code_point_at(s, n, i, &len);
    if (s[i] == ',' && prev_start != (size_t)-1 && is_decimal_at(s, n, prev_start) &&
        is_decimal_at(s, n, i + 1))
      return true;
    prev_start = i;
    i += len;
  }
  return false;
}

void lx_vqa_punctuation(const char *text, lx_strbuf *out) {
  size_t n = strlen(text);
  bool comma_digits = has_digit_comma_digit(text, n);
  /* For each punctuation character: deleted (true) or replaced by a space (false). The test
   * looks at the original text, as the script's does. */
  bool delete_it[256] = {false}, is_punct[256] = {false};
  for (const char *p = PUNCT; *p; p++) {
    unsigned char c = (unsigned char)*p;
    is_punct[c] = true;
    bool spaced = false;
    for (size_t i = 0; i < n && !spaced; i++)
      spaced = text[i] == (char)c &&
               ((i + 1 < n && text[i + 1] == ' ') || (i > 0 && text[i - 1] == ' '));
    delete_it[c] = spaced || comma_digits;
  }
  lx_strbuf mid = {0};
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)text[i];
    if (!is_punct[c])
      lx_strbuf_putc(&mid, (char)c);
    else if (!delete_it[c])
      lx_strbuf_putc(&mid, ' ');
  }
  /* periodStrip: a '.' not followed by a decimal digit, at most 32 of them */
  const char *m = lx_strbuf_str(&mid);
  int removed = 0;
  for (size_t i = 0; i < mid.len; i++) {
    if (m[i] == '.' && removed < PERIODS_REMOVED_AT_MOST && !is_decimal_at(m, mid.len, i + 1)) {
      removed++;
      continue;
    }
    lx_strbuf_putc(out, m[i]);
  }
  lx_strbuf_free(&mid);
}

static const char *lookup(const lx_word_map *map, size_t n, const char *w, size_t len) {
  for (size_t i = 0; i < n; i++)
    if (strlen(map[i].from) == len && memcmp(map[i].from, w, len) == 0) return map[i].to;
  return NULL;
}

void lx_vqa_digits_articles(const char *text, lx_strbuf *out) {
  lx_vqa_digits_articles_with(text, CONTRACTIONS, COUNT(CONTRACTIONS), out);
}

void lx_vqa_digits_articles_with(const char *text, const lx_word_map *table, size_t n_table,
                                 lx_strbuf *out) {
  lx_strbuf low = {0};
  lx_py_lower(text, strlen(text), &low);
  lx_span *words;
  size_t n = lx_py_split(lx_strbuf_str(&low), low.len, &words);
  bool first = true;
  for (size_t i = 0; i < n; i++) {
    const char *w = words[i].p;
    size_t len = words[i].n;
    const char *number = lookup(NUMBER_WORDS, COUNT(NUMBER_WORDS), w, len);
    if (number) {
      w = number;
      len = strlen(number);
    }
    bool article = false;
    for (size_t a = 0; a < COUNT(ARTICLES); a++)
      article |= strlen(ARTICLES[a]) == len && memcmp(ARTICLES[a], w, len) == 0;
    if (article) continue;
    const char *expanded = lookup(table, n_table, w, len);
    if (expanded) {
      w = expanded;
      len = strlen(expanded);
    }
    if (!first) lx_strbuf_putc(out, ' ');
    lx_strbuf_append(out, w, len);
    first = false;
  }
  free(words);
  lx_strbuf_free(&low);
}

/* text with newlines and tabs made spaces, then Python-stripped (strip = true) or not. */
static void clean(const char *text, bool strip, lx_strbuf *out) {
  lx_strbuf tmp = {0};
  for (const char *p = text; *p; p++) lx_strbuf_putc(&tmp, *p == '\n' || *p == '\t' ? ' ' : *p);
  size_t b = 0, e = tmp.len;
  if (strip) lx_py_strip(lx_strbuf_str(&tmp), tmp.len, &b, &e);
  lx_strbuf_append(out, lx_strbuf_str(&tmp) + b, e - b);
  lx_strbuf_free(&tmp);
}

static void normalize(const char *text, bool digits_articles, lx_strbuf *out) {
  lx_strbuf p = {0};
  lx_vqa_punctuation(text, &p);
  if (digits_articles)
    lx_vqa_digits_articles(lx_strbuf_str(&p), out);
  else
    lx_strbuf_append(out, lx_strbuf_str(&p), p.len);
  lx_strbuf_free(&p);
}

static void replace(lx_strbuf *b, const lx_strbuf *with) {
  lx_strbuf_clear(b);
  lx_strbuf_append(b, lx_strbuf_str(with), with->len);
}

double lx_vqa_soft_score(const bool *same, size_t n) {
  size_t matching = 0;
  for (size_t j = 0; j < n; j++) matching += same[j];
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    double acc = (double)(matching - same[i]) / 3;
    sum += acc < 1 ? acc : 1;
  }
  return n ? sum / (double)n : 0;
}

double lx_vqa_accuracy(lx_vqa_mode mode, const char *pred, const char *const *refs, size_t n_refs) {
  lx_strbuf *ref = lx_xcalloc(n_refs, sizeof *ref);
  lx_strbuf answer = {0}, tmp = {0};
  bool all_same = true;
  for (size_t i = 0; i < n_refs; i++) {
    /* 2017 leaves references unstripped; the identity test always looks at them as given */
    clean(refs[i], mode != LX_VQA_OFFICIAL_2017, &ref[i]);
    if (mode == LX_VQA_OFFICIAL_2017) {
      lx_strbuf_clear(&ref[i]);
      lx_strbuf_puts(&ref[i], refs[i]);
    }
    if (i > 0 && strcmp(lx_strbuf_str(&ref[i]), lx_strbuf_str(&ref[0])) != 0) all_same = false;
  }
  clean(pred, true, &answer);
  bool normalize_refs = mode == LX_VQA_ALWAYS || !all_same;
  bool normalize_pred = mode != LX_VQA_OFFICIAL_2021 || !all_same;
  if (normalize_pred) {
    lx_strbuf_clear(&tmp);
    normalize(lx_strbuf_str(&answer), true, &tmp);
    replace(&answer, &tmp);
  }
  if (normalize_refs) {
    for (size_t i = 0; i < n_refs; i++) {
      lx_strbuf_clear(&tmp);
      normalize(lx_strbuf_str(&ref[i]), mode != LX_VQA_OFFICIAL_2017, &tmp);
      replace(&ref[i], &tmp);
    }
  }
  bool *same = lx_xcalloc(n_refs + 1, sizeof *same);
  for (size_t j = 0; j < n_refs; j++)
    same[j] = strcmp(lx_strbuf_str(&ref[j]), lx_strbuf_str(&answer)) == 0;
  double score = lx_vqa_soft_score(same, n_refs);
  free(same);
  for (size_t i = 0; i < n_refs; i++) lx_strbuf_free(&ref[i]);
  free(ref);
  lx_strbuf_free(&answer);
  lx_strbuf_free(&tmp);
  return score;
}
