#include "text/lexer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHARS           0x10000    /* UTF-16 code units */
#define NESTING_LIMIT   64         /* parentheses and macro uses inside each other */
#define DFA_STATE_LIMIT 20000      /* cached DFA states before the cache is dropped */
#define MEMO_AFTER      64         /* characters past its last match before a scan uses dead ends */
#define DEAD_END_LIMIT  (1u << 22) /* remembered dead ends before the memory starts over */

/* ---- character sets: sorted disjoint inclusive ranges of code units ------------------------- */

typedef struct cset {
  uint16_t (*r)[2];
  size_t n, cap;
} cset;

static void cset_add(cset *s, unsigned lo, unsigned hi) {
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 8;
    s->r = lx_xrealloc_array(s->r, s->cap, sizeof *s->r);
  }
  s->r[s->n][0] = (uint16_t)lo;
  s->r[s->n][1] = (uint16_t)hi;
  s->n++;
}

static int cmp_range(const void *a, const void *b) {
  const uint16_t *x = a, *y = b;
  return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

/* Sorts and merges overlapping or touching ranges. */
static void cset_normalize(cset *s) {
  if (s->n == 0) return;
  qsort(s->r, s->n, sizeof *s->r, cmp_range);
  size_t k = 0;
  for (size_t i = 1; i < s->n; i++) {
    if ((unsigned)s->r[i][0] <= (unsigned)s->r[k][1] + 1) {
      if (s->r[i][1] > s->r[k][1]) s->r[k][1] = s->r[i][1];
    } else {
      s->r[++k][0] = s->r[i][0];
      s->r[k][1] = s->r[i][1];
    }
  }
  s->n = k + 1;
}

static cset cset_complement(const cset *s) {
  cset c = {0};
  unsigned next = 0;
  for (size_t i = 0; i < s->n; i++) {
    if (s->r[i][0] > next) cset_add(&c, next, s->r[i][0] - 1u);
    next = s->r[i][1] + 1u;
  }
  if (next < CHARS) cset_add(&c, next, CHARS - 1);
  return c;
}

/* ---- the regular expression tree ---------------------------------------------------------- */

typedef enum node_kind { N_SET, N_CAT, N_ALT, N_STAR, N_PLUS, N_OPT, N_REP } node_kind;

typedef struct node {
  node_kind kind;
  int set;      /* N_SET: index of the character set */
  int a, b;     /* children: N_CAT, N_ALT use both; the rest use a */
  int min, max; /* N_REP */
} node;

/* ---- the NFA, one array for every automaton ------------------------------------------------ */

typedef struct nfa_state {
  int32_t set; /* -1: epsilon moves to out1 and out2 (each -1 if absent) */
  int32_t out1, out2;
  int32_t accept; /* -1, or the rule (the main automaton) / 0 (lookahead automata) */
} nfa_state;

/* ---- the lazy DFA of one automaton -------------------------------------------------------- */

typedef struct dfa {
  int32_t nfa_start;
  int32_t *trans;  /* [n_states * n_classes]: -2 not built yet, -1 dead, else a state */
  int32_t *accept; /* [n_states] the first rule accepting, or -1 */
  bool *has_out;   /* [n_states] some character leads on */
  size_t *set_off; /* [n_states + 1] each state's NFA states in pool */
  int32_t *pool;
  size_t pool_len, pool_cap;
  size_t n_states, cap_states;
  size_t *slots; /* hash of NFA state sets -> state + 1 */
  size_t n_slots;
  int32_t start; /* DFA state of nfa_start's closure, -1 until built */
} dfa;

typedef enum look_kind { LOOK_NONE, LOOK_FIXED_BASE, LOOK_FIXED_TAIL, LOOK_GENERAL } look_kind;

typedef struct rule_info {
  int action;
  look_kind look;
  int look_len;            /* LOOK_FIXED_BASE: |r1|; LOOK_FIXED_TAIL: |r2| */
  dfa *forward, *backward; /* LOOK_GENERAL: r1, and r2 reversed */
} rule_info;

struct lx_lexer {
  uint16_t char_class[CHARS];
  int n_classes;
  uint8_t *member; /* [n_sets * n_classes]: set contains class */
  int n_sets;
  nfa_state *nfa;
  size_t n_nfa;
  rule_info *rules;
  size_t n_rules;
  dfa main;
  unsigned generation; /* counts the times the DFA caches were dropped */
  /* scratch for subset construction */
  uint32_t *mark; /* [n_nfa] generation stamps */
  uint32_t stamp;
  int32_t *stack, *work;
};

/* ---- building: parsing patterns ------------------------------------------------------------ */

typedef struct builder {
  const lx_lexer_spec *spec;
  lx_error *err;
  char where[96]; /* "rule 12" or "macro WORD", for messages */
  cset *sets;
  size_t n_sets, cap_sets;
  node *nodes;
  size_t n_nodes, cap_nodes;
  int depth;
  nfa_state *nfa;
  size_t n_nfa, cap_nfa;
} builder;

typedef struct cursor {
  const char *p;     /* next byte of the pattern */
  const char *start; /* the whole pattern, for messages */
} cursor;

static int fail(builder *b, const cursor *c, const char *msg) {
  if (c)
    return lx_errorf(b->err, "lexer %s: %s at offset %d of \"%.80s\"", b->where, msg,
                     (int)(c->p - c->start), c->start);
  return lx_errorf(b->err, "lexer %s: %s", b->where, msg);
}

static int add_set(builder *b, cset s) {
  cset_normalize(&s);
  for (size_t i = 0; i < b->n_sets; i++)
    if (b->sets[i].n == s.n && memcmp(b->sets[i].r, s.r, s.n * sizeof *s.r) == 0) {
      free(s.r);
      return (int)i;
    }
  if (b->n_sets == b->cap_sets) {
    b->cap_sets = b->cap_sets ? 2 * b->cap_sets : 64;
    b->sets = lx_xrealloc_array(b->sets, b->cap_sets, sizeof *b->sets);
  }
  b->sets[b->n_sets] = s;
  return (int)b->n_sets++;
}

static int add_node(builder *b, node n) {
  if (b->n_nodes == b->cap_nodes) {
    b->cap_nodes = b->cap_nodes ? 2 * b->cap_nodes : 256;
    b->nodes = lx_xrealloc_array(b->nodes, b->cap_nodes, sizeof *b->nodes);
  }
  b->nodes[b->n_nodes] = n;
  return (int)b->n_nodes++;
}

static int set_node(builder *b, cset s) {
  return add_node(b, (node){N_SET, add_set(b, s), -1, -1, 0, 0});
}

static int pair_node(builder *b, node_kind k, int x, int y) {
  return add_node(b, (node){k, -1, x, y, 0, 0});
}

/* A literal character: with %caseless, an ASCII letter matches every letter of its Unicode
 * case class, as JFlex 1.5 builds them from the simple case mappings: both cases, and for i, k
 * and s also U+0130 U+0131 (dotted and dotless I), U+212A (Kelvin sign), U+017F (long s). */
static int literal(builder *b, unsigned c) {
  cset s = {0};
  cset_add(&s, c, c);
  unsigned lower = c >= 'A' && c <= 'Z' ? c + 32 : c;
  if (b->spec->caseless && lower >= 'a' && lower <= 'z') {
    cset_add(&s, lower, lower);
    cset_add(&s, lower - 32, lower - 32);
    if (lower == 'i') {
      cset_add(&s, 0x130, 0x131);
    } else if (lower == 'k') {
      cset_add(&s, 0x212A, 0x212A);
    } else if (lower == 's') {
      cset_add(&s, 0x17F, 0x17F);
    }
  }
  return set_node(b, s);
}

static int hex_value(const char *p, int digits, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < digits; i++) {
    char ch = p[i];
    int d = ch >= '0' && ch <= '9'   ? ch - '0'
            : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
            : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                     : -1;
    if (d < 0) return -1;
    v = v * 16 + (unsigned)d;
  }
  *out = v;
  return 0;
}

/* One character of a pattern (an escape or a literal byte; patterns are ASCII, other characters
 * are written \uHHHH). */
static int read_char(builder *b, cursor *c, unsigned *out) {
  unsigned char ch = (unsigned char)*c->p;
  if (ch == 0) return fail(b, c, "the pattern ends early");
  if (ch >= 128) return fail(b, c, "write characters beyond ASCII as \\uHHHH");
  if (ch != '\\') {
    c->p++;
    *out = ch;
    return LX_OK;
  }
  char e = c->p[1];
  c->p += 2;
  switch (e) {
    case 't':
      *out = '\t';
      return LX_OK;
    case 'n':
      *out = '\n';
      return LX_OK;
    case 'r':
      *out = '\r';
      return LX_OK;
    case 'f':
      *out = '\f';
      return LX_OK;
    case '0':
      *out = 0;
      return LX_OK;
    case 'x':
      if (hex_value(c->p, 2, out)) return fail(b, c, "\\x needs two hex digits");
      c->p += 2;
      return LX_OK;
    case 'u':
      if (hex_value(c->p, 4, out)) return fail(b, c, "\\u needs four hex digits");
      c->p += 4;
      return LX_OK;
    case 0:
      return fail(b, c, "a lone backslash ends the pattern");
    default:
      if ((unsigned char)e >= 128) return fail(b, c, "write characters beyond ASCII as \\uHHHH");
      *out = (unsigned char)e;
      return LX_OK;
  }
}

/* Whether p starts "[:name:]" with a name the spec defines (JFlex reads "[:;=]" as a class). */
static bool at_named_set(const builder *b, const char *p) {
  if (p[0] != '[' || p[1] != ':') return false;
  for (size_t i = 0; i < b->spec->n_charsets; i++) {
    size_t n = strlen(b->spec->charsets[i].name);
    if (strncmp(p + 2, b->spec->charsets[i].name, n) == 0 && p[2 + n] == ':' && p[3 + n] == ']')
      return true;
  }
  return false;
}

static int named_set(builder *b, cursor *c, cset *into) {
  const char *name = c->p + 2, *end = strstr(name, ":]");
  if (!end) return fail(b, c, "an unterminated [:name:]");
  size_t n = (size_t)(end - name);
  for (size_t i = 0; i < b->spec->n_charsets; i++) {
    const lx_lexer_charset *cs = &b->spec->charsets[i];
    if (strlen(cs->name) == n && memcmp(cs->name, name, n) == 0) {
      for (size_t k = 0; k < cs->n; k++) cset_add(into, cs->ranges[k][0], cs->ranges[k][1]);
      c->p = end + 2;
      return LX_OK;
    }
  }
  return fail(b, c, "an unknown [:name:]");
}

/* After '[': a class up to its ']'. JFlex's rules: a leading '^' negates; "[^]" is every
 * character, "[]" none; a '-' first or just before ']' is literal; [:name:] inside. */
static int parse_class(builder *b, cursor *c, int *out) {
  bool negate = false;
  if (*c->p == '^') {
    negate = true;
    c->p++;
  }
  cset s = {0};
  if (*c->p == '-') {
    cset_add(&s, '-', '-');
    c->p++;
  }
  while (*c->p != ']') {
    if (*c->p == 0) {
      free(s.r);
      return fail(b, c, "an unterminated [class]");
    }
    if (at_named_set(b, c->p)) {
      if (named_set(b, c, &s)) {
        free(s.r);
        return LX_ERR;
      }
      continue;
    }
    unsigned lo, hi;
    if (read_char(b, c, &lo)) {
      free(s.r);
      return LX_ERR;
    }
    hi = lo;
    if (c->p[0] == '-' && c->p[1] != ']' && c->p[1] != 0) {
      c->p++;
      if (read_char(b, c, &hi)) {
        free(s.r);
        return LX_ERR;
      }
      if (hi < lo) {
        free(s.r);
        return fail(b, c, "a range runs backwards");
      }
    }
    cset_add(&s, lo, hi);
  }
  c->p++;
  cset_normalize(&s);
  if (negate) {
    cset t = cset_complement(&s);
    free(s.r);
    s = t;
  }
  *out = set_node(b, s);
  return LX_OK;
}

static int parse_alt(builder *b, cursor *c, int *out);

static int parse_macro_use(builder *b, cursor *c, int *out) {
  const char *name = c->p + 1, *end = strchr(name, '}');
  if (!end) return fail(b, c, "an unterminated {MACRO}");
  size_t n = (size_t)(end - name);
  for (size_t i = 0; i < b->spec->n_macros; i++) {
    const lx_lexer_macro *m = &b->spec->macros[i];
    if (strlen(m->name) != n || memcmp(m->name, name, n) != 0) continue;
    if (++b->depth > NESTING_LIMIT) return fail(b, c, "macros or groups nested too deeply");
    cursor mc = {m->pattern, m->pattern};
    char saved[sizeof b->where];
    memcpy(saved, b->where, sizeof saved);
    snprintf(b->where, sizeof b->where, "macro %s", m->name);
    int rc = parse_alt(b, &mc, out);
    if (!rc && *mc.p) rc = fail(b, &mc, "unexpected text");
    if (!rc) memcpy(b->where, saved, sizeof saved);
    b->depth--;
    c->p = end + 1;
    return rc;
  }
  return fail(b, c, "an unknown {MACRO}");
}

/* "..." : a string of literals. */
static int parse_string(builder *b, cursor *c, int *out) {
  int acc = -1;
  while (*c->p != '"') {
    if (!*c->p) return fail(b, c, "an unterminated \"string\"");
    unsigned ch;
    if (read_char(b, c, &ch)) return LX_ERR;
    int lit = literal(b, ch);
    acc = acc < 0 ? lit : pair_node(b, N_CAT, acc, lit);
  }
  c->p++;
  if (acc < 0) return fail(b, c, "an empty \"string\"");
  *out = acc;
  return LX_OK;
}

static int parse_atom(builder *b, cursor *c, int *out) {
  char ch = *c->p;
  if (ch == '(') {
    c->p++;
    if (++b->depth > NESTING_LIMIT) return fail(b, c, "groups nested too deeply");
    if (parse_alt(b, c, out)) return LX_ERR;
    b->depth--;
    if (*c->p != ')') return fail(b, c, "expected ')'");
    c->p++;
    return LX_OK;
  }
  if (at_named_set(b, c->p)) { /* a named set on its own */
    cset s = {0};
    if (named_set(b, c, &s)) {
      free(s.r);
      return LX_ERR;
    }
    *out = set_node(b, s);
    return LX_OK;
  }
  if (ch == '[') {
    c->p++;
    return parse_class(b, c, out);
  }
  if (ch == '{') return parse_macro_use(b, c, out);
  if (ch == '"') {
    c->p++;
    return parse_string(b, c, out);
  }
  if (ch == '.') { /* JFlex 1.5: anything but a line end */
    c->p++;
    cset s = {0};
    cset_add(&s, 0, '\n' - 1);
    cset_add(&s, '\r' + 1, 0x84);
    cset_add(&s, 0x86, 0x2027);
    cset_add(&s, 0x202A, CHARS - 1);
    *out = set_node(b, s);
    return LX_OK;
  }
  if (ch == '~') { /* JFlex's "up to": ~r is everything up to and including the first r */
    return fail(b, c, "'~' is not supported: write [^x]*x for ~x");
  }
  if (ch == '*' || ch == '+' || ch == '?' || ch == '|' || ch == ')' || ch == '!' || ch == '$' ||
      ch == '^' || ch == '/' || ch == ' ')
    return fail(b, c, "a special character where a literal belongs (escape it)");
  unsigned v;
  if (read_char(b, c, &v)) return LX_ERR;
  *out = literal(b, v);
  return LX_OK;
}

static int parse_number(cursor *c, int *out) {
  if (*c->p < '0' || *c->p > '9') return -1;
  int v = 0;
  while (*c->p >= '0' && *c->p <= '9' && v < 1000) v = v * 10 + (*c->p++ - '0');
  *out = v;
  return 0;
}

static int parse_post(builder *b, cursor *c, int *out) {
  int x = -1;
  if (parse_atom(b, c, &x)) return LX_ERR;
  for (;;) {
    char ch = *c->p;
    if (ch == '*' || ch == '+' || ch == '?') {
      c->p++;
      x = pair_node(b, ch == '*' ? N_STAR : ch == '+' ? N_PLUS : N_OPT, x, -1);
    } else if (ch == '{' && c->p[1] >= '0' && c->p[1] <= '9') {
      int lo = 0, hi = 0;
      c->p++;
      parse_number(c, &lo);
      hi = lo;
      if (*c->p == ',') {
        c->p++;
        if (parse_number(c, &hi)) return fail(b, c, "{n,m} needs m");
      }
      if (*c->p != '}') return fail(b, c, "expected '}'");
      c->p++;
      if (hi < lo || hi == 0) return fail(b, c, "a repetition {n,m} needs 0 <= n <= m, m > 0");
      x = add_node(b, (node){N_REP, -1, x, -1, lo, hi});
    } else {
      break;
    }
  }
  *out = x;
  return LX_OK;
}

static int parse_cat(builder *b, cursor *c, int *out) {
  int acc = -1;
  while (*c->p && *c->p != '|' && *c->p != ')') {
    int x = -1;
    if (parse_post(b, c, &x)) return LX_ERR;
    acc = acc < 0 ? x : pair_node(b, N_CAT, acc, x);
  }
  if (acc < 0) return fail(b, c, "an empty alternative");
  *out = acc;
  return LX_OK;
}

static int parse_alt(builder *b, cursor *c, int *out) {
  int acc = -1;
  if (parse_cat(b, c, &acc)) return LX_ERR;
  while (*c->p == '|') {
    c->p++;
    int x = -1;
    if (parse_cat(b, c, &x)) return LX_ERR;
    acc = pair_node(b, N_ALT, acc, x);
  }
  *out = acc;
  return LX_OK;
}

static int parse_pattern(builder *b, const char *pattern, int *out) {
  cursor c = {pattern, pattern};
  b->depth = 0;
  if (parse_alt(b, &c, out)) return LX_ERR;
  if (*c.p) return fail(b, &c, "unexpected text (an unmatched ')'?)");
  return LX_OK;
}

/* JFlex's SemCheck.length: the fixed length of what x matches, or -1. */
static int fixed_length(const builder *b, int x) {
  const node *n = &b->nodes[x];
  switch (n->kind) {
    case N_SET:
      return 1;
    case N_CAT: {
      int l1 = fixed_length(b, n->a), l2 = l1 < 0 ? -1 : fixed_length(b, n->b);
      return l1 < 0 || l2 < 0 ? -1 : l1 + l2;
    }
    case N_ALT: {
      int l1 = fixed_length(b, n->a), l2 = l1 < 0 ? -1 : fixed_length(b, n->b);
      return l1 >= 0 && l1 == l2 ? l1 : -1;
    }
    case N_REP: {
      int l = fixed_length(b, n->a);
      return n->min == n->max && l >= 0 ? l * n->min : -1;
    }
    default:
      return -1;
  }
}

/* JFlex's SemCheck.isFiniteChoice, on the tree JFlex builds for x ({n,m} is unrolled there). */
static bool finite_choice(const builder *b, int x) {
  const node *n = &b->nodes[x];
  switch (n->kind) {
    case N_SET:
      return true;
    case N_ALT:
      return finite_choice(b, n->a) && finite_choice(b, n->b);
    case N_CAT:
      return fixed_length(b, n->a) >= 0 && fixed_length(b, n->b) >= 0;
    case N_REP:
      if (n->min == 1 && n->max == 1) return finite_choice(b, n->a);
      return n->min == n->max && fixed_length(b, n->a) >= 0;
    default:
      return false;
  }
}

/* ---- building: Thompson NFA --------------------------------------------------------------- */

static int32_t nfa_add(builder *b, int32_t set, int32_t out1, int32_t out2) {
  if (b->n_nfa == b->cap_nfa) {
    b->cap_nfa = b->cap_nfa ? 2 * b->cap_nfa : 4096;
    b->nfa = lx_xrealloc_array(b->nfa, b->cap_nfa, sizeof *b->nfa);
  }
  b->nfa[b->n_nfa] = (nfa_state){set, out1, out2, -1};
  return (int32_t)b->n_nfa++;
}

/* Builds the NFA of node x (reversed: concatenations back to front) between a new start state
 * and the state `end`; returns the start. */
static int32_t build_nfa(builder *b, int x, bool reversed, int32_t end) {
  const node n = b->nodes[x];
  switch (n.kind) {
    case N_SET:
      return nfa_add(b, n.set, end, -1);
    case N_CAT: {
      int first = reversed ? n.b : n.a, second = reversed ? n.a : n.b;
      int32_t mid = build_nfa(b, second, reversed, end);
      return build_nfa(b, first, reversed, mid);
    }
    case N_ALT: {
      int32_t s1 = build_nfa(b, n.a, reversed, end), s2 = build_nfa(b, n.b, reversed, end);
      return nfa_add(b, -1, s1, s2);
    }
    case N_OPT: {
      int32_t s = build_nfa(b, n.a, reversed, end);
      return nfa_add(b, -1, s, end);
    }
    case N_STAR:
    case N_PLUS: {
      /* loop: entry -> (x -> loop) | end */
      int32_t loop = nfa_add(b, -1, -1, end);
      int32_t body = build_nfa(b, n.a, reversed, loop);
      b->nfa[loop].out1 = body;
      return n.kind == N_STAR ? loop : body;
    }
    case N_REP: {
      /* r{min,max} = r^min (r?)^(max-min), built from the back */
      int32_t next = end;
      for (int i = n.min; i < n.max; i++) {
        int32_t s = build_nfa(b, n.a, reversed, next);
        next = nfa_add(b, -1, s, next);
      }
      for (int i = 0; i < n.min; i++) next = build_nfa(b, n.a, reversed, next);
      return next;
    }
  }
  return -1;
}

/* ---- character classes: code units no set tells apart --------------------------------------- */

typedef struct sig_slot {
  uint64_t *bits; /* a class's membership signature, or NULL */
  int cls;
} sig_slot;

static uint64_t hash_words(const uint64_t *w, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ w[i]) * 1099511628211ull;
  return h ^ (h >> 29);
}

/* Splits the code units into classes whose members belong to exactly the same sets, and fills
 * char_class and member. */
static void make_classes(lx_lexer *lx, const builder *b) {
  /* boundaries of every range: the elementary intervals between them share their sets */
  uint8_t *starts = lx_xcalloc(CHARS + 1, 1);
  starts[0] = 1;
  for (size_t s = 0; s < b->n_sets; s++)
    for (size_t k = 0; k < b->sets[s].n; k++) {
      starts[b->sets[s].r[k][0]] = 1;
      starts[b->sets[s].r[k][1] + 1u] = 1;
    }
  int32_t *interval_of = lx_xcalloc(CHARS, sizeof *interval_of);
  size_t n_int = 0;
  for (unsigned c = 0; c < CHARS; c++) {
    if (starts[c] && c) n_int++;
    interval_of[c] = (int32_t)n_int;
  }
  n_int++;
  size_t words = (b->n_sets + 63) / 64;
  uint64_t *sig = lx_xcalloc(n_int * words, sizeof *sig);
  for (size_t s = 0; s < b->n_sets; s++)
    for (size_t k = 0; k < b->sets[s].n; k++) {
      int32_t i0 = interval_of[b->sets[s].r[k][0]], i1 = interval_of[b->sets[s].r[k][1]];
      for (int32_t i = i0; i <= i1; i++) sig[(size_t)i * words + s / 64] |= 1ull << (s % 64);
    }
  /* equal signatures, one class */
  size_t n_slots = 1;
  while (n_slots < 2 * n_int) n_slots *= 2;
  sig_slot *slots = lx_xcalloc(n_slots, sizeof *slots);
  int *class_of_interval = lx_xcalloc(n_int, sizeof *class_of_interval);
  int n_classes = 0;
  for (size_t i = 0; i < n_int; i++) {
    uint64_t *w = sig + i * words;
    size_t j = hash_words(w, words) & (n_slots - 1);
    while (slots[j].bits && memcmp(slots[j].bits, w, words * sizeof *w) != 0)
      j = (j + 1) & (n_slots - 1);
    if (!slots[j].bits) slots[j] = (sig_slot){w, n_classes++};
    class_of_interval[i] = slots[j].cls;
  }
  lx->n_classes = n_classes;
  lx->n_sets = (int)b->n_sets;
  lx->member = lx_xcalloc(b->n_sets * (size_t)n_classes + 1, 1);
  for (size_t i = 0; i < n_int; i++)
    for (size_t s = 0; s < b->n_sets; s++)
      if (sig[i * words + s / 64] >> (s % 64) & 1)
        lx->member[s * (size_t)n_classes + (size_t)class_of_interval[i]] = 1;
  for (unsigned c = 0; c < CHARS; c++)
    lx->char_class[c] = (uint16_t)class_of_interval[interval_of[c]];
  free(starts);
  free(interval_of);
  free(sig);
  free(slots);
  free(class_of_interval);
}

/* ---- the lazy DFA --------------------------------------------------------------------------- */

static void dfa_init(dfa *d, int32_t nfa_start) {
  memset(d, 0, sizeof *d);
  d->nfa_start = nfa_start;
  d->start = -1;
  d->set_off = lx_xcalloc(1, sizeof *d->set_off);
}

static void dfa_free(dfa *d) {
  free(d->trans);
  free(d->accept);
  free(d->has_out);
  free(d->set_off);
  free(d->pool);
  free(d->slots);
}

static void dfa_reset(dfa *d) {
  int32_t start = d->nfa_start;
  dfa_free(d);
  dfa_init(d, start);
}

static uint64_t hash_states(const int32_t *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint32_t)s[i]) * 1099511628211ull;
  return h ^ (h >> 31);
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* The epsilon closure of the n states in lx->work, reduced to the states that matter (those that
 * read a character or accept), sorted; the count is returned, the states left in lx->work. */
static size_t closure(lx_lexer *lx, size_t n) {
  if (++lx->stamp == 0) {
    memset(lx->mark, 0, lx->n_nfa * sizeof *lx->mark);
    lx->stamp = 1;
  }
  size_t top = 0, kept = 0;
  for (size_t i = 0; i < n; i++) {
    int32_t s = lx->work[i];
    if (lx->mark[s] != lx->stamp) {
      lx->mark[s] = lx->stamp;
      lx->stack[top++] = s;
    }
  }
  while (top) {
    int32_t s = lx->stack[--top];
    const nfa_state *st = &lx->nfa[s];
    if (st->set >= 0 || st->accept >= 0) lx->work[kept++] = s;
    if (st->set < 0) {
      int32_t outs[2] = {st->out1, st->out2};
      for (int k = 0; k < 2; k++)
        if (outs[k] >= 0 && lx->mark[outs[k]] != lx->stamp) {
          lx->mark[outs[k]] = lx->stamp;
          lx->stack[top++] = outs[k];
        }
    }
  }
  qsort(lx->work, kept, sizeof *lx->work, cmp_i32);
  return kept;
}

static void dfa_grow_slots(dfa *d) {
  size_t n_slots = d->n_slots ? 2 * d->n_slots : 256;
  free(d->slots);
  d->slots = lx_xcalloc(n_slots, sizeof *d->slots);
  d->n_slots = n_slots;
  for (size_t st = 0; st < d->n_states; st++) {
    const int32_t *set = d->pool + d->set_off[st];
    size_t n = d->set_off[st + 1] - d->set_off[st];
    size_t j = hash_states(set, n) & (n_slots - 1);
    while (d->slots[j]) j = (j + 1) & (n_slots - 1);
    d->slots[j] = st + 1;
  }
}

/* The DFA state of the (closed, sorted) NFA state set in lx->work[0..n), made if new. */
static int32_t dfa_state(lx_lexer *lx, dfa *d, size_t n) {
  const int32_t *set = lx->work;
  if (2 * (d->n_states + 1) > d->n_slots) dfa_grow_slots(d);
  size_t j = hash_states(set, n) & (d->n_slots - 1);
  for (; d->slots[j]; j = (j + 1) & (d->n_slots - 1)) {
    size_t st = d->slots[j] - 1, m = d->set_off[st + 1] - d->set_off[st];
    if (m == n && memcmp(d->pool + d->set_off[st], set, n * sizeof *set) == 0) return (int32_t)st;
  }
  size_t st = d->n_states;
  if (st == d->cap_states) {
    d->cap_states = d->cap_states ? 2 * d->cap_states : 64;
    d->trans = lx_xrealloc_array(d->trans, d->cap_states * (size_t)lx->n_classes, sizeof *d->trans);
    d->accept = lx_xrealloc_array(d->accept, d->cap_states, sizeof *d->accept);
    d->has_out = lx_xrealloc_array(d->has_out, d->cap_states, sizeof *d->has_out);
    d->set_off = lx_xrealloc_array(d->set_off, d->cap_states + 1, sizeof *d->set_off);
  }
  while (d->pool_len + n > d->pool_cap) {
    d->pool_cap = d->pool_cap ? 2 * d->pool_cap : 1024;
    d->pool = lx_xrealloc_array(d->pool, d->pool_cap, sizeof *d->pool);
  }
  memcpy(d->pool + d->pool_len, set, n * sizeof *set);
  d->pool_len += n;
  d->set_off[st + 1] = d->pool_len;
  int32_t acc = -1;
  bool out = false;
  for (size_t i = 0; i < n; i++) {
    const nfa_state *s = &lx->nfa[set[i]];
    if (s->accept >= 0 && (acc < 0 || s->accept < acc)) acc = s->accept;
    out |= s->set >= 0;
  }
  d->accept[st] = acc;
  d->has_out[st] = out;
  for (int c = 0; c < lx->n_classes; c++) d->trans[st * (size_t)lx->n_classes + (size_t)c] = -2;
  d->n_states++;
  d->slots[j] = st + 1;
  return (int32_t)st;
}

static int32_t dfa_start(lx_lexer *lx, dfa *d) {
  if (d->start < 0) {
    lx->work[0] = d->nfa_start;
    d->start = dfa_state(lx, d, closure(lx, 1));
  }
  return d->start;
}

/* The state after reading a character of class cls in state st, or -1. */
static int32_t dfa_step(lx_lexer *lx, dfa *d, int32_t st, int cls) {
  int32_t *t = &d->trans[(size_t)st * (size_t)lx->n_classes + (size_t)cls];
  if (*t != -2) return *t;
  size_t n = 0;
  for (size_t i = d->set_off[st]; i < d->set_off[st + 1]; i++) {
    const nfa_state *s = &lx->nfa[d->pool[i]];
    if (s->set >= 0 && lx->member[(size_t)s->set * (size_t)lx->n_classes + (size_t)cls])
      lx->work[n++] = s->out1;
  }
  int32_t next = n ? dfa_state(lx, d, closure(lx, n)) : -1;
  /* dfa_state may have moved the table */
  d->trans[(size_t)st * (size_t)lx->n_classes + (size_t)cls] = next;
  return next;
}

/* ---- compiling a spec ----------------------------------------------------------------------- */

static void builder_free(builder *b) {
  for (size_t i = 0; i < b->n_sets; i++) free(b->sets[i].r);
  free(b->sets);
  free(b->nodes);
  free(b->nfa);
}

static int32_t accept_state(builder *b, int32_t value) {
  int32_t s = nfa_add(b, -1, -1, -1);
  b->nfa[s].accept = value;
  return s;
}

static dfa *new_dfa(int32_t nfa_start) {
  dfa *d = lx_xmalloc(sizeof *d);
  dfa_init(d, nfa_start);
  return d;
}

int lx_lexer_new(const lx_lexer_spec *spec, lx_lexer **out, lx_error *err) {
  builder b = {spec, err, "", NULL, 0, 0, NULL, 0, 0, 0, NULL, 0, 0};
  lx_lexer *lx = lx_xcalloc(1, sizeof *lx);
  lx->rules = lx_xcalloc(spec->n_rules ? spec->n_rules : 1, sizeof *lx->rules);
  lx->n_rules = spec->n_rules;
  int32_t chain = -1; /* the main automaton's start: epsilon moves to every rule */
  int rc = LX_OK;
  for (size_t r = spec->n_rules; rc == LX_OK && r-- > 0;) {
    const lx_lexer_rule *rule = &spec->rules[r];
    rule_info *ri = &lx->rules[r];
    ri->action = rule->action;
    snprintf(b.where, sizeof b.where, "rule %zu", r + 1);
    int x1 = -1, x2 = -1;
    rc = parse_pattern(&b, rule->pattern, &x1);
    if (!rc && rule->lookahead) rc = parse_pattern(&b, rule->lookahead, &x2);
    if (rc) break;
    int32_t acc = accept_state(&b, (int32_t)r), entry;
    if (x2 < 0) {
      entry = build_nfa(&b, x1, false, acc);
    } else {
      int32_t mid = build_nfa(&b, x2, false, acc);
      entry = build_nfa(&b, x1, false, mid);
      int len1 = fixed_length(&b, x1), len2 = fixed_length(&b, x2);
      if (len1 >= 0) {
        ri->look = LOOK_FIXED_BASE;
        ri->look_len = len1;
      } else if (len2 >= 0) {
        ri->look = LOOK_FIXED_TAIL;
        ri->look_len = len2;
      } else if (finite_choice(&b, x2)) {
        rc = fail(&b, NULL,
                  "trailing context that is a choice of fixed lengths (JFlex's FINITE_CHOICE) "
                  "is not supported");
        break;
      } else {
        ri->look = LOOK_GENERAL;
        ri->forward = new_dfa(build_nfa(&b, x1, false, accept_state(&b, 0)));
        ri->backward = new_dfa(build_nfa(&b, x2, true, accept_state(&b, 0)));
      }
    }
    chain = chain < 0 ? entry : nfa_add(&b, -1, entry, chain);
  }
  if (rc == LX_OK && chain < 0) rc = lx_errorf(err, "lexer: no rules");
  if (rc) {
    builder_free(&b);
    lx->nfa = NULL;
    lx_lexer_free(lx);
    return rc;
  }
  make_classes(lx, &b);
  lx->nfa = b.nfa;
  lx->n_nfa = b.n_nfa;
  b.nfa = NULL;
  builder_free(&b);
  lx->mark = lx_xcalloc(lx->n_nfa, sizeof *lx->mark);
  lx->stack = lx_xcalloc(lx->n_nfa, sizeof *lx->stack);
  lx->work = lx_xcalloc(lx->n_nfa, sizeof *lx->work);
  dfa_init(&lx->main, chain);
  *out = lx;
  return LX_OK;
}

void lx_lexer_free(lx_lexer *lx) {
  if (!lx) return;
  for (size_t r = 0; r < lx->n_rules; r++) {
    if (lx->rules[r].forward) dfa_free(lx->rules[r].forward);
    if (lx->rules[r].backward) dfa_free(lx->rules[r].backward);
    free(lx->rules[r].forward);
    free(lx->rules[r].backward);
  }
  free(lx->rules);
  if (lx->member) dfa_free(&lx->main);
  free(lx->member);
  free(lx->nfa);
  free(lx->mark);
  free(lx->stack);
  free(lx->work);
  free(lx);
}

size_t lx_lexer_dfa_states(const lx_lexer *lx) {
  size_t n = lx->main.n_states;
  for (size_t r = 0; r < lx->n_rules; r++)
    if (lx->rules[r].forward) n += lx->rules[r].forward->n_states + lx->rules[r].backward->n_states;
  return n;
}

/* ---- scanning ---------------------------------------------------------------------------------
 */

/* The end of r1 in a match [start, end) of r1 r2 with general trailing context, as JFlex
 * finds it: forward over r1 from the start, marking where it accepts; backward over r2 reversed
 * from the end, to the first position both marked and accepted. */
static size_t general_lookahead(lx_lexer *lx, lx_lexer_input *in, const rule_info *ri, size_t start,
                                size_t end) {
  size_t span = end - start;
  if (in->fin_cap < span + 1) {
    free(in->fin);
    in->fin_cap = 2 * (span + 1);
    in->fin = lx_xmalloc(in->fin_cap * sizeof *in->fin);
  }
  bool *fin = in->fin; /* fin[i]: r1 matches text[start, start + i) */
  memset(fin, 0, (span + 1) * sizeof *fin);
  int32_t st = dfa_start(lx, ri->forward);
  for (size_t i = 0; st >= 0; i++) {
    fin[i] = ri->forward->accept[st] >= 0;
    if (i == span) break;
    st = dfa_step(lx, ri->forward, st, lx->char_class[in->text[start + i]]);
  }
  st = dfa_start(lx, ri->backward);
  for (size_t i = span;; i--) {
    if (fin[i] && ri->backward->accept[st] >= 0) return start + i;
    if (i == 0) return end; /* cannot happen for a real match */
    st = dfa_step(lx, ri->backward, st, lx->char_class[in->text[start + i - 1]]);
    if (st < 0) return end;
  }
}

static void drop_caches_if_large(lx_lexer *lx) {
  if (lx_lexer_dfa_states(lx) < DFA_STATE_LIMIT) return;
  lx->generation++;
  dfa_reset(&lx->main);
  for (size_t r = 0; r < lx->n_rules; r++)
    if (lx->rules[r].forward) {
      dfa_reset(lx->rules[r].forward);
      dfa_reset(lx->rules[r].backward);
    }
}

static size_t dead_slot(const lx_lexer_input *in, int32_t st, size_t pos) {
  uint64_t h =
      ((uint64_t)pos * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)(uint32_t)st * 0xBF58476D1CE4E5B9ull);
  return (size_t)(h >> 17) & (in->dead_cap - 1);
}

static bool is_dead_end(const lx_lexer_input *in, int32_t st, size_t pos) {
  if (!in->n_dead) return false;
  for (size_t j = dead_slot(in, st, pos);; j = (j + 1) & (in->dead_cap - 1)) {
    const lx_lexer_dead_end *d = &in->dead[j];
    if (d->state < 0) return false;
    if (d->state == st && d->pos == pos) return true;
  }
}

static void dead_insert(lx_lexer_input *in, lx_lexer_dead_end e) {
  size_t j = dead_slot(in, e.state, e.pos);
  while (in->dead[j].state >= 0 && !(in->dead[j].state == e.state && in->dead[j].pos == e.pos))
    j = (j + 1) & (in->dead_cap - 1);
  if (in->dead[j].state < 0) in->n_dead++;
  in->dead[j] = e;
}

static void dead_clear(lx_lexer_input *in, size_t cap) {
  free(in->dead);
  in->dead = lx_xmalloc(cap * sizeof *in->dead);
  for (size_t j = 0; j < cap; j++) in->dead[j].state = -1;
  in->dead_cap = cap;
  in->n_dead = 0;
}

/* The trail's pairs lead to no match: remember them. */
static void remember_dead_ends(lx_lexer_input *in) {
  if (in->n_trail == 0) return;
  if (in->n_dead + in->n_trail > DEAD_END_LIMIT) dead_clear(in, in->dead_cap); /* start over */
  if (2 * (in->n_dead + in->n_trail) > in->dead_cap) {
    lx_lexer_dead_end *old = in->dead;
    size_t old_cap = in->dead_cap, cap = in->dead_cap ? in->dead_cap : 1024;
    while (2 * (in->n_dead + in->n_trail) > cap) cap *= 2;
    in->dead = NULL;
    dead_clear(in, cap);
    for (size_t j = 0; j < old_cap; j++)
      if (old[j].state >= 0) dead_insert(in, old[j]);
    free(old);
  }
  for (size_t k = 0; k < in->n_trail; k++) dead_insert(in, in->trail[k]);
  in->n_trail = 0;
}

bool lx_lexer_next(lx_lexer *lx, lx_lexer_input *in, int *action, size_t *start, size_t *end) {
  drop_caches_if_large(lx);
  if (in->dead_generation != lx->generation) { /* the states were renumbered */
    in->n_dead = 0;
    if (in->dead_cap) dead_clear(in, in->dead_cap);
    in->dead_generation = lx->generation;
  }
  const size_t s = in->pos;
  int32_t st = dfa_start(lx, &lx->main), rule = -1;
  size_t i = s, match_end = s;
  in->n_trail = 0;
  while (i < in->len) {
    if (i - match_end >= MEMO_AFTER) {   /* far past the last match: a known dead end? */
      if (is_dead_end(in, st, i)) break; /* the trail that led here is dead too */
      if (in->n_trail == in->trail_cap) {
        in->trail_cap = in->trail_cap ? 2 * in->trail_cap : 256;
        in->trail = lx_xrealloc_array(in->trail, in->trail_cap, sizeof *in->trail);
      }
      in->trail[in->n_trail++] = (lx_lexer_dead_end){i, st};
    }
    st = dfa_step(lx, &lx->main, st, lx->char_class[in->text[i++]]);
    in->steps++;
    if (st < 0) break;
    if (lx->main.accept[st] >= 0) {
      rule = lx->main.accept[st];
      match_end = i;
      in->n_trail = 0; /* a match came after them: not dead ends */
      if (!lx->main.has_out[st]) break;
    }
  }
  remember_dead_ends(in);
  if (rule < 0) return false; /* only at the end: '.' and newlines match any other character */
  const rule_info *ri = &lx->rules[rule];
  size_t e = match_end;
  if (ri->look == LOOK_FIXED_BASE) e = s + (size_t)ri->look_len;
  if (ri->look == LOOK_FIXED_TAIL) e = match_end - (size_t)ri->look_len;
  if (ri->look == LOOK_GENERAL) e = general_lookahead(lx, in, ri, s, match_end);
  *action = ri->action;
  *start = s;
  *end = e;
  in->pos = e;
  return true;
}

void lx_lexer_input_free(lx_lexer_input *in) {
  free(in->fin);
  free(in->dead);
  free(in->trail);
  in->fin = NULL;
  in->dead = in->trail = NULL;
  in->fin_cap = in->dead_cap = in->n_dead = in->trail_cap = in->n_trail = 0;
}
