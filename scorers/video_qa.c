#include "scorers/video_qa.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/unicode.h"
#include "scorers/py_source.h"

static void stripped(const char *s, size_t n, lx_strbuf *out) {
  size_t b, e;
  lx_py_strip(s, n, &b, &e);
  lx_strbuf_append(out, s + b, e - b);
}

void lx_video_qa_normalize(const char *answer, lx_strbuf *out) {
  lx_strbuf low = {0}, once = {0};
  lx_py_lower(answer, strlen(answer), &low);
  stripped(lx_strbuf_str(&low), low.len, &once);
  size_t n = once.len;
  if (n > 0 && lx_strbuf_str(&once)[n - 1] == '.') n--;
  stripped(lx_strbuf_str(&once), n, out);
  lx_strbuf_free(&low);
  lx_strbuf_free(&once);
}

bool lx_video_qa_exact_match(const char *pred, const char *reference) {
  lx_strbuf p = {0}, r = {0}, low = {0};
  lx_video_qa_normalize(pred, &p);
  lx_py_lower(reference, strlen(reference), &low);
  stripped(lx_strbuf_str(&low), low.len, &r);
  bool same = !strcmp(lx_strbuf_str(&p), lx_strbuf_str(&r));
  lx_strbuf_free(&p);
  lx_strbuf_free(&r);
  lx_strbuf_free(&low);
  return same;
}

/* ---- Video-ChatGPT's judge ------------------------------------------------------------------ */

static int message_template(const char *src, size_t n, const char *role, lx_strbuf *out,
                            const char **why) {
  const char *r = lx_pysrc_find(src, n, 0, role);
  const char *c = r ? lx_pysrc_find(src, n, (size_t)(r - src), "\"content\":") : NULL;
  if (!c) {
    *why = "no \"role\"/\"content\" messages (is it Video-ChatGPT's evaluate_activitynet_qa.py?)";
    return -1;
  }
  /* f-strings carry the fields; the plain strings are text */
  size_t end =
      lx_pysrc_literals(src, n, (size_t)(c - src) + strlen("\"content\":"), "},", false, out, why);
  return end ? 0 : -1;
}

int lx_video_qa_judge_template(const char *src, size_t n, lx_strbuf *system, lx_strbuf *user,
                               const char **why) {
  if (message_template(src, n, "\"role\": \"system\"", system, why) ||
      message_template(src, n, "\"role\": \"user\"", user, why))
    return -1;
  int positional, named;
  if (!lx_pysrc_fields(lx_strbuf_str(user), &positional, &named) || positional || named != 3) {
    *why = "the user message does not hold the three fields {question}, {answer} and {pred}";
    return -1;
  }
  return 0;
}

void lx_video_qa_judge_message(const char *tmpl, const char *question, const char *answer,
                               const char *pred, lx_strbuf *out) {
  const char *names[3] = {"question", "answer", "pred"}, *values[3] = {question, answer, pred};
  lx_pysrc_format(tmpl, NULL, 0, names, values, 3, out);
}

/* ---- a dict literal, as ast.literal_eval reads the few shapes the judge writes ---- */

#define SCORE_LIMIT 1000000000000L /* 1e12: a million replies still sum exactly in a long */

typedef struct lit {
  bool is_str;
  lx_strbuf str;
  double num;
  bool is_int;
} lit;

static const char *skip_ws(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}

/* A quoted string (no escapes but \\ \' \" \n \t) or a number at p; the end, or NULL. */
static const char *read_lit(const char *p, lit *v) {
  p = skip_ws(p);
  if (*p == '\'' || *p == '"') {
    char q = *p++;
    v->is_str = true;
    while (*p && *p != q) {
      if (*p == '\\' && p[1]) {
        p++;
        lx_strbuf_putc(&v->str, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
        p++;
        continue;
      }
      if (*p == '\n') return NULL;
      lx_strbuf_putc(&v->str, *p++);
    }
    return *p == q ? p + 1 : NULL;
  }
  const char *start = p;
  if (*p == '-' || *p == '+') p++;
  if (!isdigit((unsigned char)*p) && *p != '.') return NULL;
  char *end;
  v->num = strtod(start, &end);
  v->is_int = !memchr(start, '.', (size_t)(end - start)) &&
              !memchr(start, 'e', (size_t)(end - start)) &&
              !memchr(start, 'E', (size_t)(end - start));
  return end > start ? end : NULL;
}

bool lx_video_qa_parse_verdict(const char *reply, int *yes, long *score) {
  const char *p = skip_ws(reply);
  if (*p++ != '{') return false;
  bool have_pred = false, have_score = false, ok = true;
  lx_strbuf pred = {0};
  for (;;) {
    p = skip_ws(p);
    if (*p == '}') break;
    lit k = {0}, v = {0};
    p = read_lit(p, &k);
    if (p) p = skip_ws(p);
    if (!p || !k.is_str || *p++ != ':') ok = false;
    if (ok) p = read_lit(p, &v);
    if (ok && !p) ok = false;
    if (ok && !strcmp(lx_strbuf_str(&k.str), "pred")) {
      if (!v.is_str) ok = false; /* pred.lower() fails on a number */
      lx_strbuf_clear(&pred);
      lx_strbuf_puts(&pred, lx_strbuf_str(&v.str));
      have_pred = true;
    } else if (ok && !strcmp(lx_strbuf_str(&k.str), "score")) {
      /* scores past SCORE_LIMIT (Python's ints have no bound, ours do) count as unreadable */
      char *end;
      if (v.is_str) { /* int("4") works, int("4.8") does not */
        const char *t = lx_strbuf_str(&v.str);
        errno = 0;
        long x = strtol(t, &end, 10);
        ok = *t && !*end && errno == 0 && x > -SCORE_LIMIT && x < SCORE_LIMIT;
        if (ok) *score = x;
      } else {
        ok = v.num > -SCORE_LIMIT && v.num < SCORE_LIMIT;
        if (ok) *score = (long)v.num; /* int() truncates toward zero */
      }
      have_score = true;
    }
    lx_strbuf_free(&k.str);
    lx_strbuf_free(&v.str);
    if (!ok) break;
    p = skip_ws(p);
    if (*p == ',') {
      p++;
      continue;
    }
    if (*p != '}') ok = false;
    if (!ok) break;
  }
  if (ok) ok = *p == '}' && !*skip_ws(p + 1) && have_pred && have_score;
  if (ok) {
    lx_strbuf low = {0};
    lx_py_lower(lx_strbuf_str(&pred), pred.len, &low);
    *yes = strstr(lx_strbuf_str(&low), "yes") ? 1 : strstr(lx_strbuf_str(&low), "no") ? 0 : -1;
    lx_strbuf_free(&low);
  }
  lx_strbuf_free(&pred);
  return ok;
}
