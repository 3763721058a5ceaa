/* unicode_tables.h: the Unicode data Python's str.lower(), str.strip() and \\d use, and what BERT's
 * BasicTokenizer reads through unicodedata (NFD, combining classes, general categories), generated
 * into unicode_tables.c by tools/gen_unicode_tables.py. Tables are sorted by code point. */
#ifndef LX_UNICODE_TABLES_H
#define LX_UNICODE_TABLES_H

#include <stdint.h>

typedef struct lx_lower_entry {
  uint32_t cp;
  int n; /* 1..3 code points */
  uint32_t to[3];
} lx_lower_entry;

typedef struct lx_nfd_entry {
  uint32_t cp;
  int n; /* 1..4 code points */
  uint32_t to[4];
} lx_nfd_entry;

typedef struct lx_ccc_range {
  uint32_t first, last; /* inclusive */
  int ccc;              /* canonical combining class, 1..254 */
} lx_ccc_range;

typedef struct lx_range {
  uint32_t first, last; /* inclusive */
} lx_range;

extern const lx_lower_entry lx_lower_table[];
extern const int lx_lower_table_len;
extern const lx_range lx_space_ranges[];
extern const int lx_space_ranges_len;
extern const lx_range lx_decimal_ranges[];
extern const int lx_decimal_ranges_len;
extern const lx_range lx_cased_ranges[];
extern const int lx_cased_ranges_len;
extern const lx_range lx_case_ignorable_ranges[];
extern const int lx_case_ignorable_ranges_len;
/* Full canonical decompositions (Hangul syllables excepted), and non-zero combining classes. */
extern const lx_nfd_entry lx_nfd_table[];
extern const int lx_nfd_table_len;
extern const lx_ccc_range lx_ccc_table[];
extern const int lx_ccc_table_len;
/* General categories: Mn; P*; C* (unassigned included); Zs. */
extern const lx_range lx_mn_ranges[];
extern const int lx_mn_ranges_len;
extern const lx_range lx_punct_ranges[];
extern const int lx_punct_ranges_len;
extern const lx_range lx_other_ranges[];
extern const int lx_other_ranges_len;
extern const lx_range lx_zs_ranges[];
extern const int lx_zs_ranges_len;
extern const char lx_unicode_version[];

#endif
