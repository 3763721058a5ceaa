#include "tasks/mme.h"

#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/unicode.h"

#define MAX_RESULTS_BYTES (64u << 20)
#define MME_COLUMNS 4 /* image, question, truth, response */

int lx_mme_results_read(const char *path, lx_mme_label **truth, lx_mme_label **pred, size_t *n,
                        lx_error *err) {
  char *text;
  size_t len;
  if (lx_read_file(path, MAX_RESULTS_BYTES, &text, &len, err)) return LX_ERR;
  size_t bad;
  if (!lx_utf8_valid(text, len, &bad)) {
    free(text);
    return lx_errorf(err, "%s: not valid UTF-8 (byte %zu)", path, bad);
  }
  size_t cap = 64, count = 0;
  lx_mme_label *t = lx_xcalloc(cap, sizeof *t), *p = lx_xcalloc(cap, sizeof *p);
  char *prev_image = NULL;
  int rc = LX_OK, line = 0;
  for (char *s = text; rc == LX_OK && s < text + len;) {
    char *nl = memchr(s, '\n', (size_t)(text + len - s));
    char *end = nl ? nl : text + len;
    if (end > s && end[-1] == '\r') end[-1] = '\0'; /* Python's universal newlines */
    *end = '\0';
    line++;
    char *col[MME_COLUMNS + 1];
    int ncol = 0;
    for (char *c = s;; ncol++) {
      if (ncol <= MME_COLUMNS) col[ncol] = c;
      char *tab = strchr(c, '\t');
      if (!tab) {
        ncol++;
        break;
      }
      *tab = '\0';
      c = tab + 1;
    }
    if (ncol != MME_COLUMNS) {
      rc = lx_errorf(err, "%s:%d: expected %d tab-separated columns (image, question, Yes/No, "
                     "response), found %d", path, line, MME_COLUMNS, ncol);
      break;
    }
    lx_strbuf low = {0};
    lx_py_lower(col[2], strlen(col[2]), &low);
    bool yes = strcmp(lx_strbuf_str(&low), "yes") == 0, no = strcmp(lx_strbuf_str(&low), "no") == 0;
    lx_strbuf_free(&low);
    if (!yes && !no) {
      rc = lx_errorf(err, "%s:%d: the answer column must be Yes or No, not '%s'", path, line, col[2]);
      break;
    }
    if (count % 2 == 1 && strcmp(prev_image, col[0]) != 0) {
      rc = lx_errorf(err, "%s:%d: lines %d and %d should be the two questions of one image, but "
                     "name '%s' and '%s'", path, line, line - 1, line, prev_image, col[0]);
      break;
    }
    free(prev_image);
    prev_image = lx_xstrdup(col[0]);
    if (count == cap) {
      cap *= 2;
      t = lx_xrealloc_array(t, cap, sizeof *t);
      p = lx_xrealloc_array(p, cap, sizeof *p);
    }
    t[count] = yes ? LX_MME_YES : LX_MME_NO;
    p[count] = lx_mme_parse_response(col[3]);
    count++;
    s = end + 1;
  }
  if (rc == LX_OK && count == 0) rc = lx_errorf(err, "%s: no questions in the file", path);
  if (rc == LX_OK && count % 2)
    rc = lx_errorf(err, "%s: %zu lines; MME has two questions per image, so the count must be even",
                   path, count);
  free(prev_image);
  free(text);
  if (rc) {
    free(t);
    free(p);
    return rc;
  }
  *truth = t;
  *pred = p;
  *n = count;
  return LX_OK;
}
