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

/* lx_prompt_text with the given template. */
static int prompt_text(const lx_prompt_config *cfg, const char *tmpl, const char *question,
                       lx_strbuf *out, lx_error *err) {
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

int lx_prompt_text(const lx_prompt_config *cfg, const char *question, lx_strbuf *out,
                   lx_error *err) {
  return prompt_text(cfg, cfg->template_, question, out, err);
}

/* The template for a question with media or without. */
static const char *template_for(const lx_prompt_config *cfg, bool with_media) {
  return with_media || !cfg->text_only_template[0] ? cfg->template_ : cfg->text_only_template;
}

int lx_prompt_text_for(const lx_prompt_config *cfg, const char *question, bool with_media,
                       lx_strbuf *out, lx_error *err) {
  return prompt_text(cfg, template_for(cfg, with_media), question, out, err);
}

int lx_prompt_ids(const lx_tokenizer *tok, const lx_prompt_config *cfg, int bos_id,
                  const char *question, bool with_media, lx_ints *ids, int *dropped,
                  lx_error *err) {
  const char *marker = cfg->media_marker;
  const size_t mlen = strlen(marker);
  if (mlen && strstr(question, marker))
    return lx_errorf(err, "question contains \"%s\", the model's media marker", marker);
  const char *tmpl = template_for(cfg, with_media);
  lx_strbuf text = {0};
  lx_ints all = {0};
  int rc = prompt_text(cfg, tmpl, question, &text, err);
  const char *s = lx_strbuf_str(&text), *cut = mlen ? strstr(s, marker) : NULL;
  if (rc == LX_OK && cut && !with_media)
    rc = lx_errorf(err, "the prompt for a question without media contains \"%s\"", marker);
  if (rc == LX_OK && mlen && with_media && !cut)
    rc = lx_errorf(err, "the prompt template has no \"%s\" to put the media at", marker);
  if (rc == LX_OK && cut && strstr(cut + mlen, marker))
    rc = lx_errorf(err, "the prompt has \"%s\" more than once", marker);
  if (rc == LX_OK) {
    lx_ints_push(&all, bos_id);
    rc = lx_tokenizer_tokenize(tok, s, cut ? (size_t)(cut - s) : text.len, &all, err);
  }
  int media_at = -1;
  if (rc == LX_OK && cut) {
    /* each piece tokenized on its own, its <s> dropped (tokenizer_image_token) */
    media_at = all.len;
    lx_ints_push(&all, LX_MEDIA_ID);
    rc = lx_tokenizer_tokenize(tok, cut + mlen, text.len - (size_t)(cut + mlen - s), &all, err);
  }
  if (rc == LX_OK) {
    const int max = cfg->max_input_tokens;
    int keep = max > 0 && all.len > max ? max : all.len;
    if (media_at >= 0 && media_at < all.len - keep)
      rc = lx_errorf(err,
                     "the prompt is %d ids; keeping the last %d (max_input_tokens) would cut "
                     "the media's place",
                     all.len, max);
    for (int i = all.len - keep; rc == LX_OK && i < all.len; i++) lx_ints_push(ids, all.v[i]);
    if (dropped) *dropped = all.len - keep;
  }
  lx_strbuf_free(&text);
  lx_ints_free(&all);
  return rc;
}
