/* http.h: one HTTP POST of a JSON body, through libcurl, for the LLM-judge path. Nothing else
 * in lynxeval talks to the network. */
#ifndef LX_HTTP_H
#define LX_HTTP_H

#include "common/error.h"
#include "common/strbuf.h"

/* POSTs body (JSON) to url. bearer_token may be NULL (no Authorization header). The response
 * body is appended to *response (capped at 16 MiB) and the HTTP status stored in *status.
 * Fails (naming the url) only on transport errors: a timeout, a refused connection, a bad URL;
 * an HTTP error status is returned through *status for the caller to judge. */
int lx_http_post_json(const char *url, const char *body, const char *bearer_token,
                      long timeout_seconds, long *status, lx_strbuf *response, lx_error *err);

#endif
