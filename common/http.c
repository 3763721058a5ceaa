#include "common/http.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_RESPONSE_BYTES (16u << 20)

typedef struct sink {
  lx_strbuf *out;
  bool overflow;
} sink;

static size_t collect(char *data, size_t size, size_t n, void *user) {
  sink *s = user;
  size_t bytes = size * n;
  if (s->out->len + bytes > MAX_RESPONSE_BYTES) {
    s->overflow = true;
    return 0; /* makes curl stop with a write error */
  }
  lx_strbuf_append(s->out, data, bytes);
  return bytes;
}

int lx_http_post_json(const char *url, const char *body, const char *bearer_token,
                      long timeout_seconds, long *status, lx_strbuf *response, lx_error *err) {
  static bool initialized;
  if (!initialized) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    initialized = true;
  }
  CURL *c = curl_easy_init();
  if (!c) return lx_errorf(err, "%s: cannot start an HTTP client", url);
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
  char auth[1024];
  if (bearer_token) {
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer_token);
    headers = curl_slist_append(headers, auth);
  }
  sink s = {response, false};
  char curl_err[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_seconds);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_seconds < 30 ? timeout_seconds : 30L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
  curl_slist_free_all(headers);
  memset(auth, 0, sizeof auth);
  curl_easy_cleanup(c);
  if (s.overflow)
    return lx_errorf(err, "%s: response larger than %u bytes", url, MAX_RESPONSE_BYTES);
  if (rc != CURLE_OK)
    return lx_errorf(err, "%s: %s", url, curl_err[0] ? curl_err : curl_easy_strerror(rc));
  return LX_OK;
}
