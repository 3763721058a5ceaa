#include "text/prompt.h"

#include <string.h>

#include "common/unicode.h"

int lx_format_template(const char *tmpl, const char *const *keys, const char *const *values,
                       int n_fields, lx_strbuf *out, lx_error *err) {
  for (const char *p = tmpl; *p;) {
    if (p[0] == '{' && p[1] == '{') {
      lx_strbuf_putc(out, '{');
      p += 2;
    } else if (p[0] == '}' && p[1] == '}') {
      lx_strbuf_putc(out, '}');
      p += 2;
    } else if (p[0] == '}') {
      return lx_errorf(err, "prompt template: single '}' encountered");
    } else if (p[0] == '{') {
      const char *end = strchr(p, '}');
      if (!end) return lx_errorf(err, "prompt template: '{' without a closing '}'");
      size_t n = (size_t)(end - p - 1);
      const char *name = p + 1;
      for (size_t i = 0; i < n; i++)
        if (!(name[i] == '_' || (name[i] >= 'a' && name[i] <= 'z') ||
              (name[i] >= 'A' && name[i] <= 'Z') || (i > 0 && name[i] >= '0' && name[i] <= '9')))
          return lx_errorf(err,
                           "prompt template: field '{%.*s}' is not a plain name (conversions, "
                           "format specs and positional fields are not supported)",
                           (int)n, name);
      if (n == 0) return lx_errorf(err, "prompt template: empty field '{}'");
      int k = 0;
      while (k < n_fields && !(strlen(keys[k]) == n && memcmp(keys[k], name, n) == 0)) k++;
      if (k == n_fields)
        return lx_errorf(err, "prompt template: field '{%.*s}' has no value", (int)n, name);
      lx_strbuf_puts(out, values[k]);
      p = end + 1;
    } else {
      lx_strbuf_putc(out, *p++);
    }
  }
  return LX_OK;
}

int lx_prompt_text(const lx_prompt_config *cfg, const char *question, lx_strbuf *out,
                   lx_error *err) {
  size_t qlen = strlen(question), bad, b, e;
  if (qlen > LX_MAX_QUESTION_BYTES)
    return lx_errorf(err, "question is %zu bytes, more than the %d allowed", qlen,
                     LX_MAX_QUESTION_BYTES);
  if (!lx_utf8_valid(question, qlen, &bad))
    return lx_errorf(err, "question is not valid UTF-8 (byte %zu is 0x%02X)", bad,
                     (unsigned char)question[bad]);
  lx_py_strip(question, qlen, &b, &e);
  if (b == e) return lx_errorf(err, "question is empty");
  /* The reference strips the template once, fills it, and strips the result. */
  const char *tmpl = cfg->template_;
  lx_py_strip(tmpl, strlen(tmpl), &b, &e);
  lx_strbuf stripped = {0}, filled = {0};
  lx_strbuf_append(&stripped, tmpl + b, e - b);
  const char *keys[1] = {"question"}, *values[1] = {question};
  int rc = lx_format_template(lx_strbuf_str(&stripped), keys, values, 1, &filled, err);
  if (rc == LX_OK) {
    lx_py_strip(lx_strbuf_str(&filled), filled.len, &b, &e);
    if (cfg->lowercase)
      lx_py_lower(lx_strbuf_str(&filled) + b, e - b, out);
    else
      lx_strbuf_append(out, lx_strbuf_str(&filled) + b, e - b);
  }
  lx_strbuf_free(&stripped);
  lx_strbuf_free(&filled);
  return rc;
}

int lx_prompt_ids(const lx_tokenizer *tok, const lx_prompt_config *cfg, int bos_id,
                  const char *question, lx_ints *ids, int *dropped, lx_error *err) {
  lx_strbuf text = {0};
  lx_ints all = {0};
  int rc = lx_prompt_text(cfg, question, &text, err);
  if (rc == LX_OK) {
    lx_ints_push(&all, bos_id);
    rc = lx_tokenizer_tokenize(tok, lx_strbuf_str(&text), text.len, &all, err);
  }
  if (rc == LX_OK) {
    int keep = all.len < cfg->max_input_tokens ? all.len : cfg->max_input_tokens;
    for (int i = all.len - keep; i < all.len; i++) lx_ints_push(ids, all.v[i]);
    if (dropped) *dropped = all.len - keep;
  }
  lx_strbuf_free(&text);
  lx_ints_free(&all);
  return rc;
}
