/* py_source.h: prompts kept in Python source, read as Python reads them. Evaluation scripts write
 * a long prompt as a run of adjacent string literals; some are f-strings whose {name} fields take
 * the item's text. The judges whose prompts are their benchmark's own (MMBench's, Video-ChatGPT's)
 * read them from the user's copy of the script with these. */
#ifndef LX_PY_SOURCE_H
#define LX_PY_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"

/* Where `what` first occurs in s[from..n), or NULL. */
const char *lx_pysrc_find(const char *s, size_t n, size_t from, const char *what);

/* Reads the adjacent one-line string literals ('...', "...", f'...', f"...") starting at s[i]
 * (blanks, line breaks and comments between them skipped) up to the first character of `stops`,
 * decoded as Python decodes them, into out as one str.format template: an f-literal as written
 * (its {name} fields and doubled braces kept); a plain literal as written when plain_is_template
 * (the script calls .format on the whole), else with its braces doubled (they are text). Returns
 * the index of the stop character, or 0 with *why set. */
size_t lx_pysrc_literals(const char *s, size_t n, size_t i, const char *stops,
                         bool plain_is_template, lx_strbuf *out, const char **why);

/* Reads the string a module-level statement `name = "..."` (or a triple-quoted literal, or
 * adjacent literals on that logical line) assigns, decoded as Python decodes it, into out as
 * plain text. Returns the index after it, or 0 with *why set. */
size_t lx_pysrc_assigned_string(const char *s, size_t n, const char *name, lx_strbuf *out,
                                const char **why);

/* Python's float(text): blanks (Unicode's, as str.strip) around it, a sign, digits with single
 * underscores between them, a point, an exponent, "inf", "infinity" or "nan" in any case, and any
 * Unicode decimal digit (Unicode 14.0, Python 3.11) for an ASCII one. False where Python raises
 * ValueError. */
bool lx_py_float(const char *text, size_t len, double *value);

/* Fills a str.format template: "{{" and "}}" become braces; "{}" takes the next of positional[],
 * "{name}" the value of names[k] in values[k]. Returns the number of fields that had no value
 * (0 when all were filled). */
int lx_pysrc_format(const char *tmpl, const char *const *positional, int n_positional,
                    const char *const *names, const char *const *values, int n_named,
                    lx_strbuf *out);

/* Counts a template's fields: "{}" into *positional, "{name}" into *named; false when a brace is
 * neither a field nor doubled. */
bool lx_pysrc_fields(const char *tmpl, int *positional, int *named);

#endif
