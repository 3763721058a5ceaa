/* ptb.h: the caption tokenization pycocoevalcap runs before BLEU, ROUGE-L, CIDEr-D, METEOR and
 * SPICE, reproduced exactly: Stanford CoreNLP 3.4.1's PTBTokenizer with -preserveLines
 * -lowerCase, then pycocoevalcap's drop of the punctuation tokens '' ' `` ` -LRB- -RRB- -LCB- -RCB-
 * . ? ! , : - -- ... ; (spelled in upper case, so the lower-cased "-lrb-" and friends stay, as
 * they do there).
 *
 * pycocoevalcap tokenizes all the captions of one call (all references, or all results) as one
 * text, one caption per line, so a caption's last token can depend on the first characters of
 * the next caption (an abbreviation before a capital, "I." before "The"). lx_ptb_tokenize takes
 * the captions in that order and reproduces that too. The lexer, its rules and its actions are in
 * ptb.c; why each rule reads as it does is written there.
 *
 * One deliberate difference: pycocoevalcap replaces "\n" in captions by a space, but the Java
 * lexer also ends a line at \r, \v, \f, U+2028 and U+2029 (not before "\n"), which makes
 * pycocoevalcap give every later caption the tokens of the one before it. Here the tokens are
 * the Java tokenizer's all the same, but each caption keeps its own: such a line end is counted
 * (line_breaks) and read as a space. */
#ifndef LX_PTB_H
#define LX_PTB_H

#include <stdbool.h>
#include <stddef.h>

#define LX_PTB_NAME "ptb-3.4.1"

typedef enum lx_ptb_output {
  LX_PTB_COCO, /* what pycocoevalcap's tokenize() returns: punctuation dropped */
  LX_PTB_JAVA, /* the Java tokenizer's line for each caption, every token kept */
} lx_ptb_output;

typedef struct lx_ptb_lines {
  char **line; /* [n] tokens separated by single spaces (heap strings) */
  size_t n;
  size_t line_breaks; /* line ends inside captions, read as spaces (see above) */
  size_t *rule_hits;  /* [lx_ptb_n_rules()] how often each lexer rule matched (NULL: none ran) */
} lx_ptb_lines;

/* The lexer's rules, in order: the pattern, and its trailing context or NULL (for reports on
 * which rules a text exercises). */
size_t lx_ptb_n_rules(void);
const char *lx_ptb_rule_pattern(size_t rule, const char **lookahead);

/* Tokenizes captions[0..n) as one call of pycocoevalcap's PTBTokenizer.tokenize() on them, in
 * this order. Captions are UTF-8 C strings: a malformed byte reads as U+FFFD (lynxeval checks
 * the files it reads first), and a caption ends at a NUL, which Java skips like white space
 * (a "\u0000" inside a JSON caption is the one input where the two differ). out is always
 * filled; the caller frees it. */
void lx_ptb_tokenize(const char *const *captions, size_t n, lx_ptb_output what, lx_ptb_lines *out);
void lx_ptb_lines_free(lx_ptb_lines *l);

#endif
