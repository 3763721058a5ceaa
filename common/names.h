/* names.h: an enumeration's names in one table, so that parsing a name, naming a value and
 * listing the choices in a message cannot disagree. The table is NULL-terminated and value i is
 * called names[i]:
 *
 *   static const char *const rule_names[] = {"segment-start", "segment-middle", NULL};
 *   int i = lx_name_index(rule_names, "segment-middle");          1
 *   lx_names_join(rule_names, ", ", " or ", &msg);                 "segment-start or
 * segment-middle"
 */
#ifndef LX_NAMES_H
#define LX_NAMES_H

#include "common/strbuf.h"

/* The index of name in names, or -1. */
int lx_name_index(const char *const *names, const char *name);

/* names[i], or "?" when i is not an index of the table. */
const char *lx_name_at(const char *const *names, int i);

/* Appends the names separated by sep, the last two by last_sep ("a, b or c"). */
void lx_names_join(const char *const *names, const char *sep, const char *last_sep, lx_strbuf *out);

#endif
