/* wordpiece.c: BertTokenizer (slow, uncased) of transformers 4.33.2; the rules are in wordpiece.h.
 * Text is worked on as code points; WordPiece looks its candidates up as UTF-8. */
#include "text/wordpiece.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/strmap.h"
#include "common/unicode.h"

enum {
  MAX_VOCAB_BYTES = 64 << 20,
  MAX_CHARS_PER_WORD = 100, /* WordpieceTokenizer's max_input_chars_per_word */
  N_SPECIALS = 6,
};

/* all_special_tokens in the order the lowercasing pattern tries them ([DEC] last, when present). */
static const char *const SPECIALS[N_SPECIALS] = {"[UNK]", "[SEP]",  "[PAD]",
                                                 "[CLS]", "[MASK]", "[DEC]"};

struct lx_wordpiece {
  char **tokens;  /* [n] the file's lines, by id */
  int n;          /* ids */
  lx_strmap map;  /* token -> key index */
  int *id_of_key; /* [map.n] the last line holding the key */
  int unk, cls, sep;
  int n_specials;             /* SPECIALS[0 .. n_specials) are split off the text */
  int special_id[N_SPECIALS]; /* their ids (unk for one the vocabulary lacks, as HF) */
};

static int find(const lx_wordpiece *t, const char *token) {
  size_t k = lx_strmap_find(&t->map, token);
  return k == (size_t)-1 ? -1 : t->id_of_key[k];
}

int lx_wordpiece_size(const lx_wordpiece *t) {
  return t->n;
}

const char *lx_wordpiece_token(const lx_wordpiece *t, int id) {
  return id >= 0 && id < t->n ? t->tokens[id] : NULL;
}

void lx_wordpiece_free(lx_wordpiece *t) {
  if (!t) return;
  for (int i = 0; i < t->n; i++) free(t->tokens[i]);
  free(t->tokens);
  free(t->id_of_key);
  lx_strmap_free(&t->map);
  free(t);
}

static void add_line(lx_wordpiece *t, const char *s, size_t len, int *cap) {
  if (t->n == *cap) {
    *cap = *cap ? 2 * *cap : 1024;
    t->tokens = lx_xrealloc_array(t->tokens, (size_t)*cap, sizeof *t->tokens);
  }
  char *tok = lx_xmalloc(len + 1);
  memcpy(tok, s, len);
  tok[len] = '\0';
  t->tokens[t->n++] = tok;
}

int lx_wordpiece_load(const char *path, lx_wordpiece **out, lx_error *err) {
  *out = NULL;
  char *buf;
  size_t len;
  if (lx_read_file(path, MAX_VOCAB_BYTES, &buf, &len, err)) return LX_ERR;
  size_t bad;
  if (!lx_utf8_valid(buf, len, &bad)) {
    int line = 1;
    for (size_t i = 0; i < bad; i++) line += buf[i] == '\n';
    lx_errorf(err, "%s: line %d: not UTF-8 (byte %zu)", path, line, bad);
    free(buf);
    return LX_ERR;
  }
  lx_wordpiece *t = lx_xcalloc(1, sizeof *t);
  int cap = 0;
  /* readlines() in text mode: \r\n, \r and \n end a line; a last line without one counts. */
  size_t start = 0;
  for (size_t i = 0; i < len; i++) {
    if (buf[i] != '\n' && buf[i] != '\r') continue;
    add_line(t, buf + start, i - start, &cap);
    if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n') i++;
    start = i + 1;
  }
  if (start < len) add_line(t, buf + start, len - start, &cap);
  free(buf);
  t->id_of_key = lx_xcalloc(t->n ? (size_t)t->n : 1, sizeof *t->id_of_key);
  for (int id = 0; id < t->n; id++) t->id_of_key[lx_strmap_intern(&t->map, t->tokens[id])] = id;
  t->unk = find(t, "[UNK]");
  t->cls = find(t, "[CLS]");
  t->sep = find(t, "[SEP]");
  const char *missing = t->unk < 0 ? "[UNK]" : t->cls < 0 ? "[CLS]" : t->sep < 0 ? "[SEP]" : NULL;
  if (missing) {
    lx_errorf(err, "%s: not a BERT vocabulary: no line \"%s\" (%d lines)", path, missing, t->n);
    lx_wordpiece_free(t);
    return LX_ERR;
  }
  t->n_specials = find(t, "[DEC]") >= 0 ? N_SPECIALS : N_SPECIALS - 1;
  for (int k = 0; k < t->n_specials; k++) {
    int id = find(t, SPECIALS[k]);
    t->special_id[k] = id >= 0 ? id : t->unk;
  }
  *out = t;
  return LX_OK;
}

/* ---- BasicTokenizer ------------------------------------------------------------------------- */

static bool is_control(uint32_t c) {
  return c != '\t' && c != '\n' && c != '\r' && lx_unicode_is_other(c);
}
static bool is_whitespace(uint32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || lx_unicode_is_zs(c);
}
static bool is_punctuation(uint32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
      (c >= 123 && c <= 126))
    return true;
  return lx_unicode_is_punct(c);
}
/* The CJK blocks BasicTokenizer._is_chinese_char lists. */
static bool is_cjk(uint32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* A growable code point array. */
typedef struct cps {
  uint32_t *v;
  size_t n, cap;
} cps;

static void cps_push(cps *a, uint32_t c) {
  if (a->n == a->cap) {
    a->cap = a->cap ? 2 * a->cap : 64;
    a->v = lx_xrealloc_array(a->v, a->cap, sizeof *a->v);
  }
  a->v[a->n++] = c;
}

/* WordPiece of one word (code points w[0..n)): appends its ids, or [UNK]. */
static void wordpiece(const lx_wordpiece *t, const uint32_t *w, size_t n, lx_ints *out) {
  if (n > MAX_CHARS_PER_WORD) {
    lx_ints_push(out, t->unk);
    return;
  }
  size_t off[MAX_CHARS_PER_WORD + 1]; /* byte offset of each character in utf8 */
  lx_strbuf utf8 = {0}, cand = {0};
  for (size_t i = 0; i < n; i++) {
    off[i] = utf8.len;
    lx_utf8_append(&utf8, w[i]);
  }
  off[n] = utf8.len;
  int first = out->len;
  for (size_t start = 0; start < n;) {
    int id = -1;
    size_t end = n;
    for (; end > start; end--) {
      lx_strbuf_clear(&cand);
      if (start > 0) lx_strbuf_puts(&cand, "##");
      lx_strbuf_append(&cand, lx_strbuf_str(&utf8) + off[start], off[end] - off[start]);
      id = find(t, lx_strbuf_str(&cand));
      if (id >= 0) break;
    }
    if (id < 0) {
      out->len = first; /* the whole word is unknown */
      lx_ints_push(out, t->unk);
      break;
    }
    lx_ints_push(out, id);
    start = end;
  }
  lx_strbuf_free(&utf8);
  lx_strbuf_free(&cand);
}

/* One run of lowered text between special tokens, through BasicTokenizer and WordPiece. */
static void basic_and_wordpiece(const lx_wordpiece *t, const uint32_t *text, size_t n,
                                lx_ints *out) {
  /* Clean (controls dropped, whitespace to spaces) and space the CJK ideographs. */
  cps clean = {0};
  for (size_t i = 0; i < n; i++) {
    uint32_t c = text[i];
    if (c == 0 || c == 0xFFFD || is_control(c)) continue;
    if (is_whitespace(c)) {
      cps_push(&clean, ' ');
    } else if (is_cjk(c)) {
      cps_push(&clean, ' ');
      cps_push(&clean, c);
      cps_push(&clean, ' ');
    } else {
      cps_push(&clean, c);
    }
  }
  uint32_t *nfd = lx_xmalloc((4 * clean.n + 1) * sizeof *nfd);
  cps word = {0};
  for (size_t i = 0; i < clean.n;) {
    if (lx_py_isspace(clean.v[i])) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < clean.n && !lx_py_isspace(clean.v[j])) j++;
    /* Accents off: NFD, then no Mn. */
    size_t k = lx_unicode_nfd(clean.v + i, j - i, nfd);
    /* Punctuation split, then the whitespace split again (" ".join(...).split()). */
    word.n = 0;
    for (size_t p = 0; p <= k; p++) {
      bool end = p == k;
      uint32_t c = end ? 0 : nfd[p];
      if (!end && lx_unicode_is_mn(c)) continue;
      bool cut = end || is_punctuation(c) || lx_py_isspace(c);
      if (cut && word.n) {
        wordpiece(t, word.v, word.n, out);
        word.n = 0;
      }
      if (!end && is_punctuation(c)) {
        wordpiece(t, &c, 1, out);
      } else if (!cut) {
        cps_push(&word, c);
      }
    }
    i = j;
  }
  free(word.v);
  free(nfd);
  free(clean.v);
}

/* The special token starting at text[i], as an index into SPECIALS, or -1. */
static int special_at(const lx_wordpiece *t, const char *text, size_t len, size_t i) {
  if (text[i] != '[') return -1;
  for (int k = 0; k < t->n_specials; k++) {
    size_t m = strlen(SPECIALS[k]);
    if (len - i >= m && memcmp(text + i, SPECIALS[k], m) == 0) return k;
  }
  return -1;
}

int lx_wordpiece_tokenize(const lx_wordpiece *t, const char *text, size_t len, lx_ints *out,
                          lx_error *err) {
  size_t bad;
  if (!lx_utf8_valid(text, len, &bad))
    return lx_errorf(err, "Q-Former text: not UTF-8 (byte %zu)", bad);
  cps run = {0}; /* the lowered text since the last special token */
  for (size_t i = 0; i < len;) {
    int k = special_at(t, text, len, i);
    if (k >= 0) {
      basic_and_wordpiece(t, run.v, run.n, out);
      run.n = 0;
      lx_ints_push(out, t->special_id[k]);
      i += strlen(SPECIALS[k]);
      continue;
    }
    size_t n;
    uint32_t low[3];
    int m = lx_py_lower_char(lx_utf8_decode(text + i, len - i, &n), low);
    for (int q = 0; q < m; q++) cps_push(&run, low[q]);
    i += n;
  }
  basic_and_wordpiece(t, run.v, run.n, out);
  free(run.v);
  return LX_OK;
}

int lx_wordpiece_encode(const lx_wordpiece *t, const char *text, size_t len, int max_length,
                        lx_ints *out, lx_error *err) {
  if (max_length < 3) /* transformers leaves the text untruncated then */
    return lx_errorf(err, "Q-Former text: max_length %d leaves no room for text", max_length);
  lx_ints ids = {0};
  if (lx_wordpiece_tokenize(t, text, len, &ids, err)) {
    lx_ints_free(&ids);
    return LX_ERR;
  }
  int keep = ids.len < max_length - 2 ? ids.len : max_length - 2;
  lx_ints_push(out, t->cls);
  for (int i = ids.len - keep; i < ids.len; i++) lx_ints_push(out, ids.v[i]);
  lx_ints_push(out, t->sep);
  lx_ints_free(&ids);
  return LX_OK;
}
