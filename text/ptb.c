/* ptb.c: CoreNLP 3.4.1's PTB tokenizer as pycocoevalcap runs it, on lexer.c.
 *
 * The rules below are the tokenizer's, in its order (order decides ties between matches of equal
 * length), with its options at their defaults plus -preserveLines (newlines become tokens) and
 * -lowerCase: PTB3 escaping on (brackets become -LRB- etc., quotes become `` and '', ellipses
 * "...", 3-4 hyphens "--", spaces inside a token U+00A0), "americanize" off, the traditional
 * (not strict) Treebank-3 state, untokenizable characters deleted. The lexer is caseless: a
 * literal letter matches its case class, a [class] only what it lists (lexer.h). Written out
 * here from the tokenizer's specification and behaviour, and checked against the real one on
 * the vectors in tests/text/ptb/ (whose README lists what matching it took). */
#include "text/ptb.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "common/unicode.h"
#include "text/lexer.h"
#include "text/ptb_tables.h"

/* What a rule does with the text it matched. */
typedef enum ptb_action {
  A_TOKEN,         /* the text as it is */
  A_SPLIT3,        /* all but the last 3 characters, which are read again: "can|not" */
  A_SPLIT2,        /* all but the last 2: "gon|na", "'t|is" */
  A_SGML,          /* spaces become U+00A0 */
  A_DASH,          /* "--" */
  A_AMP,           /* "&amp;" (any case) becomes "&" */
  A_SOFT_HYPHENS,  /* U+00AD removed (a token of nothing but them becomes "-") */
  A_QUOTE_OPEN,    /* quotes in PTB form, ' and " read as opening: ` `` */
  A_QUOTE_CLOSE,   /* quotes in PTB form, ' and " read as closing: ' '' */
  A_FRACTION,      /* spaces become U+00A0 */
  A_FRACTION_CHAR, /* 1/4 1/2 3/4 1/3 2/3 written out */
  A_CURRENCY,      /* cent sign -> "cents", pound sign -> "#", euro and others -> "$" */
  A_ACRONYM,       /* "U.S." before a sentence opener: "U.S." and "." again; "I." -> "I" "." */
  A_BEFORE_NUMBER, /* trailing white space given back */
  A_ABBREV_END,    /* the abbreviation with its period, and the period again as the next token */
  A_PHONE,         /* spaces -> U+00A0, ( ) -> -LRB- -RRB- */
  A_LESS,          /* "<" */
  A_GREATER,       /* ">" */
  A_SMILEY,        /* ( ) -> -LRB- -RRB- */
  A_LCB,           /* "-LCB-" */
  A_RCB,           /* "-RCB-" */
  A_LSB,           /* "-LSB-" */
  A_RSB,           /* "-RSB-" */
  A_LRB,           /* "-LRB-" */
  A_RRB,           /* "-RRB-" */
  A_HYPHENS,       /* 3 or 4 hyphens -> "--" */
  A_ELLIPSIS,      /* "..." */
  A_SKIP,          /* white space and invisible characters: no token */
  A_NEWLINE,       /* a line ends (-preserveLines) */
  A_UNTOKENIZABLE, /* deleted (the tokenizer's default, with one warning on its error stream) */
} ptb_action;

/* Extra letters beyond [:letter:]: marks and signs that occur inside words. */
#define EXTRA_LETTERS                                                                              \
  "[\\u00AD"                                                     /* soft hyphen */                 \
  "\\u0237-\\u024F\\u02C2-\\u02C5\\u02D2-\\u02DF\\u02E5-\\u02FF" /* Latin, modifiers */            \
  "\\u0300-\\u036F\\u0370-\\u037D\\u0384\\u0385\\u03CF\\u03F6\\u03FC-\\u03FF" /* Greek */          \
  "\\u0483-\\u0487\\u04CF\\u04F6-\\u04FF\\u0510-\\u0525"                      /* Cyrillic */       \
  "\\u055A-\\u055F"                                                           /* Armenian */       \
  "\\u0591-\\u05BD\\u05BF\\u05C1\\u05C2\\u05C4\\u05C5\\u05C7"                 /* Hebrew */         \
  "\\u0615-\\u061A\\u063B-\\u063F\\u064B-\\u065E\\u0670\\u06D6-\\u06EF\\u06FA-\\u06FF" /* Arabic   \
                                                                                        */         \
  "\\u070F\\u0711\\u0730-\\u074F\\u0750-\\u077F" /* Syriac, Arabic supplement */                   \
  "\\u07A6-\\u07B1\\u07CA-\\u07F5\\u07FA"        /* Thaana, NKo */                                 \
  "\\u0900-\\u0903\\u093C\\u093E-\\u094E\\u0951-\\u0955\\u0962-\\u0963" /* Devanagari */           \
  "\\u0981-\\u0983\\u09BC-\\u09C4\\u09C7\\u09C8\\u09CB-\\u09CD\\u09D7\\u09E2\\u09E3" /* Bengali */ \
  "\\u0A01-\\u0A03\\u0A3C\\u0A3E-\\u0A4F\\u0A81-\\u0A83\\u0ABC-\\u0ACF" /* Gurmukhi, Gujarati */   \
  "\\u0B82\\u0BBE-\\u0BC2\\u0BC6-\\u0BC8\\u0BCA-\\u0BCD"                /* Tamil */                \
  "\\u0C01-\\u0C03\\u0C3E-\\u0C56\\u0D3E-\\u0D44\\u0D46-\\u0D48"        /* Telugu, Malayalam */    \
  "\\u0E30-\\u0E3A\\u0E47-\\u0E4E\\u0EB1-\\u0EBC\\u0EC8-\\u0ECD]"       /* Thai, Lao */

/* Characters that never continue a URL or an address. */
#define URL_STOP "\\t\\n\\f\\r\\\"<>|(){}"

static const lx_lexer_macro MACROS[] = {
    /* ---- white space and line ends ---- */
    {"space", "[ \\t\\u00A0\\u2000-\\u200A\\u3000]"},
    {"spaces", "{space}+"},
    {"newline", "\\r|\\r?\\n|\\u2028|\\u2029|\\u000B|\\u000C|\\u0085"},
    {"space_or_nl", "{space}|{newline}"},
    {"spaces_or_nl", "{space_or_nl}+"},

    /* ---- markup and character entities ---- */
    {"tag_name", "[A-Za-z][A-Za-z0-9_:\\.\\-]*"},
    {"sgml",
     "\\<([!\\?][A-Za-z\\-][^>\\r\\n]*"
     "|{tag_name}([ ]+({tag_name}|{tag_name}[ ]*=[ ]*('[^']*'|\\\"[^\\\"]*\\\")))*[ ]*\\/?"
     "|\\/{tag_name})[ ]*\\>"},
    {"dash_entity", "&(MD|mdash|ndash);|[\\u0096\\u0097\\u2013\\u2014\\u2015]"},
    {"amp_entity", "&amp;"},
    {"punct_entity", "&(HT|TL|UR|LR|QC|QL|QR|odq|cdq|#[0-9]+);"},
    {"accent_entity", "&[aeiouAEIOU](acute|grave|uml);"},

    /* ---- numbers ---- */
    {"digit", "[:digit:]|[\\u07C0-\\u07C9]"},
    {"date", "{digit}{1,2}[\\-\\/]{digit}{1,2}[\\-\\/]{digit}{2,4}"},
    {"unsigned", "{digit}+|{digit}*([.:,\\u00AD\\u066B\\u066C]{digit}+)+"},
    {"number", "[\\-+]?{unsigned}"},
    {"sub_sup_number",
     "[\\u207A\\u207B\\u208A\\u208B]?([\\u2070\\u00B9\\u00B2\\u00B3\\u2074-\\u2079]+"
     "|[\\u2080-\\u2089]+)"},
    /* "1 1/2" (with a space or a no-break space), "3/4", "3\/4", "3" U+2044 "4" */
    {"fraction", "({digit}{1,4}[- \\u00A0])?{digit}{1,4}(\\\\?\\/|\\u2044){digit}{1,4}"},
    {"fraction_char", "[\\u00BC\\u00BD\\u00BE\\u2153-\\u215E]"},
    {"dollar", "[A-Z]*\\$|#"},
    {"currency",
     "[\\u00A2\\u00A3\\u00A4\\u00A5\\u0080\\u20A0\\u20AC\\u060B\\u0E3F\\u20A4\\uFFE0\\uFFE1"
     "\\uFFE5\\uFFE6]"},
    {"phone",
     "(\\([0-9]{2,3}\\)[ \\u00A0]?|(\\+\\+?)?([0-9]{2,4}[\\- \\u00A0])?[0-9]{2,4}[\\- \\u00A0])"
     "[0-9]{3,4}[\\- \\u00A0]?[0-9]{3,5}"
     "|((\\+\\+?)?[0-9]{2,4}\\.)?[0-9]{2,4}\\.[0-9]{3,4}\\.[0-9]{3,5}"},

    /* ---- words ---- */
    {"letter", "[:letter:]|{accent_entity}|" EXTRA_LETTERS},
    /* letters and digits, with single . ! ? inside: "u.s.a", "yahoo!com" */
    {"word", "{letter}({letter}|{digit})*([.!?]{letter}({letter}|{digit})*)*"},
    {"apos", "['\\u0092\\u2019]|&apos;"},
    {"apos_like", "{apos}|[`\\u0091\\u2018\\u201B]"},
    {"hyphen", "[-_\\u058A\\u2010\\u2011]"},
    {"alnum", "[:letter:]|[:digit:]"},
    /* hyphenated compounds; a part may start with d' o' l' ("o'clock-ish") */
    {"compound_part", "([dDoOlL]{apos_like}{alnum})?{alnum}+"},
    {"compound", "{compound_part}({hyphen}{compound_part})*"},
    /* AT&T, S&P */
    {"caps_and", "[A-Z]+(([+&]|{amp_entity})[A-Z]+)+"},
    /* and/or, 1/2-inch */
    {"slashed", "[A-Za-z0-9]+(-[A-Za-z]+){0,2}(\\\\?\\/[A-Za-z0-9]+(-[A-Za-z]+){0,2}){1,2}"},
    {"hyphenated", "[A-Za-z0-9][A-Za-z0-9.,\\u00AD]*(-([A-Za-z0-9\\u00AD]+|{acro2}\\.))+"},
    /* 's 'm 'd 're 've 'll */
    {"clitic", "{apos}([msdMSD]|re|ve|ll)"},
    /* n't, and the word before it, which cannot end in n */
    {"nt_stem", "[A-Za-z\\u00AD]*[A-MO-Za-mo-z](\\u00AD)*"},
    {"nt", "n{apos_like}t"},
    /* words with an apostrophe inside that stay whole */
    {"apos_word",
     "{apos}n{apos}?|[lLdDjJ]{apos}|Dunkin{apos}|somethin{apos}|ol{apos}|{apos}em"
     "|[A-HJ-XZn]{apos_like}[:letter:]{2}[:letter:]*|{apos}[2-9]0s|{apos}till?"
     "|[:letter:][:letter:]*[aeiouyAEIOUY]{apos_like}[aeiouA-Z][:letter:]*|{apos}cause"
     "|cont'd\\.?|'twas|nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l|O{apos_like}o"},
    {"y_apos", "y{apos}"},
    {"file_ext",
     "bat|bmp|c|class|cgi|cpp|dll|doc|docx|exe|gif|gz|h|htm|html|jar|java|jpeg|jpg|mov|mp3"
     "|pdf|php|pl|png|ppt|ps|py|sql|tar|txt|wav|x|xml|zip"},
    {"filename", "({letter}|{digit})+([.]({letter}|{digit})+)*([.]{file_ext})"},

    /* ---- the web ---- */
    {"url", "https?:\\/\\/[^ " URL_STOP "]+[^ " URL_STOP ".!?,-]"},
    /* note ",-_" in the second class: a range, from ',' to '_' (digits, capitals and more) */
    {"likely_url", "((www\\.([^ " URL_STOP ".!?,]+\\.)+[a-zA-Z]{2,4})"
                   "|(([^ \\t\\n\\f\\r\\\"`'<>|.!?(){},-_$]+\\.)+(com|net|org|edu)))"
                   "(\\/[^ \\t\\n\\f\\r\\\"<>|()]+[^ " URL_STOP ".!?,-])?"},
    {"email", "(&lt;|<)?[a-zA-Z0-9][^ " URL_STOP "\\u00A0]*@([^ " URL_STOP ".\\u00A0]+\\.)*"
              "([^ " URL_STOP ".\\u00A0]+)(&gt;|>)?"},
    {"twitter", "@[a-zA-Z_][a-zA-Z_0-9]*|#{letter}+"},

    /* ---- abbreviations ---- */
    /* usually followed by a lower-case word; before a capital a sentence also ends */
    {"month", "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"},
    {"weekday", "Mon|Tue|Tues|Wed|Thu|Thurs|Fri"},
    /* a capital in brackets: only that case (the word would be common otherwise) */
    {"us_state",
     "Ala|Ariz|[A]z|[A]rk|Calif|Colo|Conn|Ct|Dak|[D]el|Fla|Ga|[I]ll|Ind|Kans?|Ky|[L]a|[M]ass|Md"
     "|Mich|Minn|[M]iss|Mo|Mont|Neb|Nev|Okla|[O]re|[P]a|Penn|Tenn|[T]ex|Va|Vt|[W]ash|Wisc?|Wyo"},
    {"company", "Inc|Cos?|Corp|Pp?t[ye]s?|Ltd|Plc|Rt|Bancorp|Bhd|Assn|Univ|Intl|Sys"},
    {"before_numbers", "tel|est|ext|sq"},
    {"name_suffix", "Jr|Sr|Bros|(Ed|Ph)\\.D|Blvd|Rd|Esq"},
    {"abbrev_lower_next",
     "({month}|{weekday}|{us_state}|{company}|{before_numbers}|{name_suffix}|etc|al|seq|Bldg)"
     "\\."},
    /* usually followed by a capital: titles, acronyms */
    {"acro",
     "[A-Za-z](\\.[A-Za-z])*|(Canada|Sino|Korean|EU|Japan|non)-U\\.S|U\\.S\\.-(U\\.K|U\\.S\\.S\\."
     "R)"},
    {"acro2",
     "[A-Za-z](\\.[A-Za-z])+|(Canada|Sino|Korean|EU|Japan|non)-U\\.S|U\\.S\\.-(U\\.K|U\\.S\\.S\\."
     "R)"},
    {"title",
     "Mr|Mrs|Ms|[M]iss|Drs?|Profs?|Sens?|Reps?|Attys?|Lt|Col|Gen|Messrs|Govs?|Adm|Rev|Maj|Sgt"
     "|Cpl|Pvt|Capt|Ste?|Ave|Pres|Lieut|Hon|Brig|Co?mdr|Pfc|Spc|Supts?|Det|Mt|Ft|Adj|Adv|Asst"
     "|Assoc|Ens|Insp|Mlle|Mme|Msgr|Sfc"},
    {"company_before", "Invt|Elec|Natl|M[ft]g|Dept"},
    {"abbrev_upper_next_stem",
     "{title}|vs|Alex|Wm|Jos|Cie|a\\.k\\.a|cf|TREAS|Ph|{acro}|{company_before}"},
    {"abbrev_upper_next", "{abbrev_upper_next_stem}\\."},
    {"acronym", "{acro}\\."},
    /* only before a number: "fig. 3", "no. 5", "ca. 1900" */
    {"abbrev_before_number", "(ca|figs?|prop|nos?|art|bldg|prop|pp|op)\\."},
    /* words after which an acronym's period also ends the sentence: a capital, then caseless */
    {"sentence_opener",
     "[A]bout|[A]ccording|[A]dditionally|[A]fter|[A]n|[A]|[A]s|[A]t|[B]ut|[E]arlier|[H]e|[H]er"
     "|[H]ere|[H]owever|[I]f|[I]n|[I]t|[L]ast|[M]any|[M]ore|[M]r\\.|[M]s\\.|[N]ow|[O]nce|[O]ne"
     "|[O]ther|[O]ur|[S]he|[S]ince|[S]o|[S]ome|[S]uch|[T]hat|[T]he|[T]heir|[T]hen|[T]here"
     "|[T]hese|[T]hey|[T]his|[W]e|[W]hen|[W]hile|[W]hat|[Y]et|[Y]ou|{sgml}"},
    /* white space, then more white space, a capital or markup */
    {"sentence_end", "{space_or_nl}({space_or_nl}|[:uppercase:]|{sgml})"},

    /* ---- punctuation and symbols ---- */
    {"duck_feet", "<<|>>"},
    {"less_than", "<|&lt;"},
    {"greater_than", ">|&gt;"},
    {"hyphens", "\\-+"},
    {"ellipsis", "\\.{3,5}|(\\.[ \\u00A0]){2,4}\\.|[\\u0085\\u2026]"},
    {"footnote_marks", "@+|#+|_+"},
    {"asterisks", "\\*+|(\\\\\\*){1,3}"},
    {"in_sentence_punct", "[,;:\\u3001]"},
    {"quotes",
     "{apos}|''|[`\\u2018\\u2019\\u201A\\u201B\\u201C\\u201D\\u0091\\u0092\\u0093\\u0094\\u201E"
     "\\u201F\\u2039\\u203A\\u00AB\\u00BB]{1,2}"},
    {"double_quote", "\\\"|&quot;"},
    {"treebank_special",
     "-(RRB|LRB|RCB|LCB|RSB|LSB)-|C\\.D\\.s|pro-|anti-|S(&|&amp;)P-500|S(&|&amp;)Ls|Cap{apos}n"
     "|c{apos}est"},
    {"apos_year", "{apos}[0-9][0-9]"},
    {"smiley", "[<>]?[:;=][\\-o\\*']?[\\(\\)DPdpO\\\\{@\\|\\[\\]]"},
    /* The first choice is not what it looks like: its '~' outside brackets is JFlex's "up to"
     * operator, so after "=" it reads anything up to the first '<': ^.[^x=... <>] */
    {"asian_smiley",
     "[\\^x=~<>]\\.\\[\\^x=[^<]*<>\\]|[\\-\\^x=~<>']_[\\-\\^x=~<>']"
     "|\\([\\-\\^x=~<>'][_.]?[\\-\\^x=~<>']\\)|\\([\\^x=~<>']-[\\^x=~<>'`]\\)"},
    {"misc_symbol",
     "[+%&~\\^|\\\\\\u00A6\\u00A7\\u00A8\\u00A9\\u00AC\\u00AE\\u00AF\\u00B0-\\u00BA\\u00D7"
     "\\u00F7\\u0387\\u05BE\\u05C0\\u05C3\\u05C6\\u05F3\\u05F4\\u0600-\\u0603\\u0606-\\u060A"
     "\\u060C\\u0614\\u061B\\u061E\\u066A\\u066D\\u0703-\\u070D\\u07F6-\\u07F8\\u0964\\u0965"
     "\\u0E4F\\u1FBD\\u2016\\u2017\\u2020-\\u2023\\u2030-\\u2038\\u203B\\u203E-\\u2042\\u2044"
     "\\u207A-\\u207F\\u208A-\\u208E\\u2100-\\u214F\\u2190-\\u21FF\\u2200-\\u2BFF\\u3012\\u30FB"
     "\\uFF01-\\uFF0F\\uFF1A-\\uFF20\\uFF3B-\\uFF40\\uFF5B-\\uFF65]"},
};

/* In the tokenizer's order: of two matches of the same length, the earlier rule wins. */
static const lx_lexer_rule RULES[] = {
    {"c[+][+]", NULL, A_TOKEN},
    {"(c|f)#", NULL, A_TOKEN},
    {"cannot", NULL, A_SPLIT3},
    {"'twas", NULL, A_SPLIT3},
    {"'tis", NULL, A_SPLIT2},
    {"gonna|gotta|lemme|gimme|wanna", NULL, A_SPLIT2},
    {"{sgml}", NULL, A_SGML},
    {"{dash_entity}", NULL, A_DASH},
    {"{amp_entity}", NULL, A_AMP},
    {"{punct_entity}", NULL, A_TOKEN},
    {"{word}", "{clitic}", A_SOFT_HYPHENS},
    {"{nt_stem}", "{nt}", A_SOFT_HYPHENS},
    {"{word}", NULL, A_SOFT_HYPHENS},
    {"{apos_word}", NULL, A_TOKEN},
    {"{y_apos}", "[:letter:]", A_TOKEN},
    {"{url}", NULL, A_TOKEN},
    {"{likely_url}", NULL, A_TOKEN},
    {"{email}", NULL, A_TOKEN},
    {"{twitter}", NULL, A_TOKEN},
    {"{clitic}", "[^A-Za-z]", A_QUOTE_CLOSE},
    {"{nt}", "[^A-Za-z]", A_QUOTE_CLOSE},
    {"{date}", NULL, A_TOKEN},
    {"{number}", NULL, A_SOFT_HYPHENS},
    {"{sub_sup_number}", NULL, A_TOKEN},
    {"{fraction}", NULL, A_FRACTION},
    {"{fraction_char}", NULL, A_FRACTION_CHAR},
    {"{treebank_special}", NULL, A_AMP},
    {"{slashed}", NULL, A_TOKEN},
    {"{dollar}", NULL, A_TOKEN},
    {"{currency}", NULL, A_CURRENCY},
    {"{acronym}", "{spaces_or_nl}({sentence_opener}){space_or_nl}", A_ACRONYM},
    {"{abbrev_before_number}", "{space_or_nl}?[:digit:]", A_BEFORE_NUMBER},
    {"(pt[eyEY]|co)\\.", "{space}(ltd|lim)", A_TOKEN},
    {"{abbrev_lower_next}", "{sentence_end}", A_ABBREV_END},
    {"{abbrev_lower_next}", "[^][^]", A_TOKEN},
    {"{abbrev_lower_next}", NULL, A_ABBREV_END}, /* at the end of the text */
    {"{abbrev_upper_next}", NULL, A_TOKEN},
    {"{abbrev_upper_next_stem}", "{space}", A_TOKEN},
    {"{acro}", "{space_or_nl}", A_TOKEN},
    {"{apos_year}", "{space_or_nl}", A_TOKEN},
    {"{filename}", "{space_or_nl}|[.?!,]", A_TOKEN},
    {"{word}\\.", "{in_sentence_punct}", A_SOFT_HYPHENS},
    {"{phone}", NULL, A_PHONE},
    {"{double_quote}", "[A-Za-z0-9$]", A_QUOTE_OPEN},
    {"{double_quote}", NULL, A_QUOTE_CLOSE},
    {"\\x7f", NULL, A_SKIP},
    {"{less_than}", NULL, A_LESS},
    {"{greater_than}", NULL, A_GREATER},
    {"{smiley}", "[^A-Za-z0-9]", A_SMILEY},
    {"{asian_smiley}", NULL, A_SMILEY},
    {"\\{", NULL, A_LCB},
    {"\\}", NULL, A_RCB},
    {"\\[", NULL, A_LSB},
    {"\\]", NULL, A_RSB},
    {"\\(", NULL, A_LRB},
    {"\\)", NULL, A_RRB},
    {"{hyphens}", NULL, A_HYPHENS},
    {"{ellipsis}", NULL, A_ELLIPSIS},
    {"{footnote_marks}", NULL, A_TOKEN},
    {"{asterisks}", NULL, A_TOKEN},
    {"{in_sentence_punct}", NULL, A_TOKEN},
    {"[?!]+", NULL, A_TOKEN},
    {"[.\\u00A1\\u00BF\\u037E\\u0589\\u061F\\u06D4\\u0700-\\u0702\\u07FA\\u3002]", NULL, A_TOKEN},
    {"=", NULL, A_TOKEN},
    {"\\/", NULL, A_TOKEN},
    {"{hyphenated}\\.", "{in_sentence_punct}", A_SOFT_HYPHENS},
    {"{hyphenated}", NULL, A_SOFT_HYPHENS},
    {"{compound}\\.", "{in_sentence_punct}", A_TOKEN},
    {"{compound}", NULL, A_TOKEN},
    {"{caps_and}\\.", "{in_sentence_punct}", A_AMP},
    {"{caps_and}", NULL, A_AMP},
    {"'", "[A-Za-z][^ \\t\\n\\r\\u00A0]", A_QUOTE_OPEN},
    {"{clitic}", NULL, A_QUOTE_CLOSE},
    {"{nt}", NULL, A_QUOTE_CLOSE},
    {"{quotes}", NULL, A_QUOTE_CLOSE},
    {"{duck_feet}", NULL, A_TOKEN},
    {"{misc_symbol}", NULL, A_TOKEN},
    {"\\0|{spaces}|[\\u200B\\u200E-\\u200F\\uFEFF]", NULL, A_SKIP},
    {"{newline}", NULL, A_NEWLINE},
    {"&nbsp;", NULL, A_SKIP},
    {".", NULL, A_UNTOKENIZABLE},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- UTF-16 text ---------------------------------------------------------------------------- */

typedef struct u16buf {
  uint16_t *v;
  size_t n, cap;
} u16buf;

static void u16_put(u16buf *b, uint16_t c) {
  if (b->n == b->cap) {
    b->cap = b->cap ? 2 * b->cap : 64;
    b->v = lx_xrealloc_array(b->v, b->cap, sizeof *b->v);
  }
  b->v[b->n++] = c;
}

static void u16_puts(u16buf *b, const char *ascii) {
  for (; *ascii; ascii++) u16_put(b, (uint16_t)(unsigned char)*ascii);
}

static void u16_put_cp(u16buf *b, uint32_t cp) {
  if (cp < 0x10000) {
    u16_put(b, (uint16_t)cp);
  } else {
    cp -= 0x10000;
    u16_put(b, (uint16_t)(0xD800 + (cp >> 10)));
    u16_put(b, (uint16_t)(0xDC00 + (cp & 0x3FF)));
  }
}

/* Whether t[0..n) starts with the ASCII string s, letters in any case when caseless. */
static bool starts_with(const uint16_t *t, size_t n, const char *s, bool caseless) {
  size_t k = strlen(s);
  if (n < k) return false;
  for (size_t i = 0; i < k; i++) {
    uint16_t c = t[i], d = (uint16_t)(unsigned char)s[i];
    if (caseless && c < 128 && c >= 'A' && c <= 'Z') c = (uint16_t)(c + 32);
    if (c != d) return false;
  }
  return true;
}

/* ---- the actions' rewrites (the tokenizer's normalizations) -----------------------------------
 */

/* The tokenizer's latexQuotes: ' and &apos; (case as written), then " and &quot;, as opening or
 * closing quotes; the typographic ones by their direction. */
static void put_quotes(u16buf *out, const uint16_t *t, size_t n, bool opening) {
  for (size_t i = 0; i < n;) {
    uint16_t c = t[i];
    if (c == '\'' || starts_with(t + i, n - i, "&apos;", false)) {
      u16_puts(out, opening ? "`" : "'");
      i += c == '\'' ? 1 : 6;
    } else if (c == '"' || starts_with(t + i, n - i, "&quot;", false)) {
      u16_puts(out, opening ? "``" : "''");
      i += c == '"' ? 1 : 6;
    } else {
      if (c == 0x91 || c == 0x2018 || c == 0x201B || c == 0x2039)
        u16_puts(out, "`");
      else if (c == 0x92 || c == 0x2019 || c == 0x203A)
        u16_puts(out, "'");
      else if (c == 0x93 || c == 0x201C || c == 0xAB)
        u16_puts(out, "``");
      else if (c == 0x94 || c == 0x201D || c == 0xBB)
        u16_puts(out, "''");
      else
        u16_put(out, c);
      i++;
    }
  }
}

static void put_without_soft_hyphens(u16buf *out, const uint16_t *t, size_t n) {
  size_t before = out->n;
  for (size_t i = 0; i < n; i++)
    if (t[i] != 0xAD) u16_put(out, t[i]);
  if (out->n == before && n > 0) u16_put(out, '-'); /* never an empty token */
}

/* (?i:&amp;) -> & */
static void put_amp_normalized(u16buf *out, const uint16_t *t, size_t n) {
  for (size_t i = 0; i < n;) {
    if (starts_with(t + i, n - i, "&amp;", true)) {
      u16_put(out, '&');
      i += 5;
    } else {
      u16_put(out, t[i++]);
    }
  }
}

/* Spaces become no-break spaces; with parens, ( ) become -LRB- -RRB-. */
static void put_escaped(u16buf *out, const uint16_t *t, size_t n, bool spaces, bool parens) {
  for (size_t i = 0; i < n; i++) {
    if (spaces && t[i] == ' ')
      u16_put(out, 0xA0);
    else if (parens && t[i] == '(')
      u16_puts(out, "-LRB-");
    else if (parens && t[i] == ')')
      u16_puts(out, "-RRB-");
    else
      u16_put(out, t[i]);
  }
}

static void put_fraction_chars(u16buf *out, const uint16_t *t, size_t n) {
  for (size_t i = 0; i < n; i++) {
    switch (t[i]) {
      case 0xBC:
        u16_puts(out, "1/4");
        break;
      case 0xBD:
        u16_puts(out, "1/2");
        break;
      case 0xBE:
        u16_puts(out, "3/4");
        break;
      case 0x2153:
        u16_puts(out, "1/3");
        break;
      case 0x2154:
        u16_puts(out, "2/3");
        break;
      default:
        u16_put(out, t[i]);
    }
  }
}

static void put_currency(u16buf *out, const uint16_t *t, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint16_t c = t[i];
    if (c == 0xA2)
      u16_puts(out, "cents");
    else if (c == 0xA3)
      u16_puts(out, "#");
    else if (c == 0x80 || c == 0xA4 || c == 0x20A0 || c == 0x20AC)
      u16_puts(out, "$");
    else
      u16_put(out, c);
  }
}

/* The white space the tokenizer's own workaround gives back from a token's end. */
static bool trailing_blank(uint16_t c) {
  return c == ' ' || c == '\t' || (c >= '\n' && c <= '\r') || c == 0x85;
}

/* ---- Java's String.toLowerCase(Locale.ENGLISH) ----------------------------------------------- */

static bool in_ranges32(const uint32_t (*r)[2], size_t n, uint32_t cp) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cp < r[mid][0])
      hi = mid;
    else if (cp > r[mid][1])
      lo = mid + 1;
    else
      return true;
  }
  return false;
}

static uint32_t java_lower_cp(uint32_t cp) {
  size_t lo = 0, hi = lx_java_lower_n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cp < lx_java_lower[mid][0])
      hi = mid;
    else if (cp > lx_java_lower[mid][0])
      lo = mid + 1;
    else
      return lx_java_lower[mid][1];
  }
  return cp;
}

/* The code point at t[i] (a surrogate pair joined; a lone surrogate as itself) and its length. */
static uint32_t cp_at(const uint16_t *t, size_t n, size_t i, size_t *len) {
  uint16_t c = t[i];
  if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && t[i + 1] >= 0xDC00 && t[i + 1] <= 0xDFFF) {
    *len = 2;
    return 0x10000 + (((uint32_t)c - 0xD800) << 10) + ((uint32_t)t[i + 1] - 0xDC00);
  }
  *len = 1;
  return c;
}

/* The code point ending at t[i - 1]. */
static uint32_t cp_before(const uint16_t *t, size_t i, size_t *len) {
  uint16_t c = t[i - 1];
  if (c >= 0xDC00 && c <= 0xDFFF && i >= 2 && t[i - 2] >= 0xD800 && t[i - 2] <= 0xDBFF) {
    *len = 2;
    return 0x10000 + (((uint32_t)t[i - 2] - 0xD800) << 10) + ((uint32_t)c - 0xDC00);
  }
  *len = 1;
  return c;
}

/* ---- the word boundaries of Java's final-sigma rule ----
 * String.toLowerCase reads a capital sigma as final when, inside its word, a cased letter comes
 * before it and none after; "word" is the JRE word BreakIterator's, whose rules keep together
 * runs of letters and digits, with one of - _ (any dash or connector) soft-hyphen U+2027 " ' .
 * between two letters, one of " ' , . U+066B between two digits, a currency sign, # or . before
 * a number, % & cent per-mille and the like after one; marks stay with what they follow, format
 * characters are skipped, kanji and kana are words apart, and anything else is a word of its
 * own. */

typedef enum break_kind {
  BK_OTHER,
  BK_LETTER,
  BK_DIGIT,
  BK_MARK,
  BK_FORMAT,
  BK_DASH,
  BK_CURRENCY
} break_kind;

/* Kanji, katakana, hiragana and their marks make words of their own there. */
static bool cjk(uint32_t cp) {
  return cp == 0x3005 || (cp >= 0x4E00 && cp <= 0x9FA5) || (cp >= 0xF900 && cp <= 0xFA2D) ||
         (cp >= 0x30A1 && cp <= 0x30FA) || cp == 0x30FD || cp == 0x30FE ||
         (cp >= 0x3041 && cp <= 0x3094) || cp == 0x309D || cp == 0x309E ||
         (cp >= 0x3099 && cp <= 0x309C) || cp == 0x30FB || cp == 0x30FC;
}

static break_kind break_kind_of(uint32_t cp) {
  if (cjk(cp)) return BK_OTHER;
  if (in_ranges32(lx_java_break_letter, lx_java_break_letter_n, cp)) return BK_LETTER;
  if (in_ranges32(lx_java_break_digit, lx_java_break_digit_n, cp)) return BK_DIGIT;
  if (in_ranges32(lx_java_break_mark, lx_java_break_mark_n, cp)) return BK_MARK;
  if (in_ranges32(lx_java_break_format, lx_java_break_format_n, cp)) return BK_FORMAT;
  if (in_ranges32(lx_java_break_dash, lx_java_break_dash_n, cp)) return BK_DASH;
  if (in_ranges32(lx_java_break_currency, lx_java_break_currency_n, cp)) return BK_CURRENCY;
  return BK_OTHER;
}

static bool mid_word(uint32_t cp) {
  return break_kind_of(cp) == BK_DASH || cp == 0xAD || cp == 0x2027 || cp == '"' || cp == '\'' ||
         cp == '.';
}
static bool mid_number(uint32_t cp) {
  return cp == '"' || cp == '\'' || cp == ',' || cp == 0x66B || cp == '.';
}
static bool pre_number(uint32_t cp) {
  return (break_kind_of(cp) == BK_CURRENCY && cp != 0xA2) || cp == '#' || cp == '.';
}
static bool post_number(uint32_t cp) {
  return cp == '%' || cp == '&' || cp == 0xA2 || cp == 0x66A || cp == 0x2030 || cp == 0x2031;
}

/* The position after the format characters at i. */
static size_t skip_format(const uint16_t *t, size_t n, size_t i) {
  size_t l;
  while (i < n && break_kind_of(cp_at(t, n, i, &l)) == BK_FORMAT) i += l;
  return i;
}

/* The position after the marks (and format characters among them) at i. */
static size_t skip_marks(const uint16_t *t, size_t n, size_t i) {
  size_t l;
  for (break_kind k;
       i < n && ((k = break_kind_of(cp_at(t, n, i, &l))) == BK_MARK || k == BK_FORMAT);)
    i += l;
  return i;
}

/* The end of a run of letters and digits (with the joiners above) starting at i, or i. */
static size_t word_run(const uint16_t *t, size_t n, size_t i) {
  size_t end = i, l;
  break_kind last = BK_OTHER;
  while (i < n) {
    uint32_t cp = cp_at(t, n, i, &l);
    break_kind k = break_kind_of(cp);
    if (k == BK_LETTER || k == BK_DIGIT) {
      i = skip_marks(t, n, i + l);
      last = k;
      end = i;
      continue;
    }
    if (last == BK_OTHER) break;
    size_t after = skip_format(t, n, i + l);
    break_kind next = after < n ? break_kind_of(cp_at(t, n, after, &l)) : BK_OTHER;
    if ((last == BK_LETTER && mid_word(cp) && next == BK_LETTER) ||
        (last == BK_DIGIT && mid_number(cp) && next == BK_DIGIT)) {
      i = after;
      continue;
    }
    if (last == BK_LETTER && (cp == 0x964 || cp == 0x965)) { /* danda */
      end = i = after;
      continue;
    }
    if (last == BK_DIGIT && post_number(cp)) end = after;
    break;
  }
  return end;
}

/* The end of the word that starts at i. */
static size_t word_end(const uint16_t *t, size_t n, size_t i) {
  size_t l, end = word_run(t, n, i);
  uint32_t cp = cp_at(t, n, i, &l);
  if (pre_number(cp)) {
    size_t after = skip_format(t, n, i + l), l2;
    if (after < n && break_kind_of(cp_at(t, n, after, &l2)) == BK_DIGIT) {
      size_t e = word_run(t, n, after);
      if (e > end) end = e;
    }
  }
  if (end == i) end = skip_marks(t, n, i + l); /* one character, with the marks after it */
  return end;
}

/* Java's Final_Sigma for the capital sigma at t[at]. */
static bool final_sigma(const uint16_t *t, size_t n, size_t at) {
  size_t ws = 0, we = n; /* the word holding it */
  for (size_t i = 0; i < n;) {
    size_t e = word_end(t, n, i);
    if (at >= i && at < e) {
      ws = i;
      we = e;
      break;
    }
    i = e;
  }
  size_t l;
  bool before = false;
  for (size_t i = at; i > ws && !before; i -= l)
    before = in_ranges32(lx_java_cased, lx_java_cased_n, cp_before(t, i, &l));
  if (!before) return false;
  for (size_t j = at + 1; j < we; j += l)
    if (in_ranges32(lx_java_cased, lx_java_cased_n, cp_at(t, n, j, &l))) return false;
  return true;
}

static void put_java_lower(u16buf *out, const uint16_t *t, size_t n) {
  for (size_t i = 0; i < n;) {
    size_t len;
    uint32_t cp = cp_at(t, n, i, &len);
    if (cp == 0x130) { /* LATIN CAPITAL LETTER I WITH DOT ABOVE */
      u16_put(out, 'i');
      u16_put(out, 0x307);
    } else if (cp == 0x3A3) { /* GREEK CAPITAL LETTER SIGMA */
      u16_put(out, final_sigma(t, n, i) ? 0x3C2 : 0x3C3);
    } else {
      u16_put_cp(out, java_lower_cp(cp));
    }
    i += len;
  }
}

/* ---- the stream pycocoevalcap hands the tokenizer -------------------------------------------- */

/* The captions as one UTF-16 text, one per line ("\n" inside a caption becomes a space, as
 * pycocoevalcap does). */
static void build_stream(const char *const *captions, size_t n, u16buf *text) {
  for (size_t k = 0; k < n; k++) {
    if (k) u16_put(text, '\n');
    const char *s = captions[k];
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
      size_t step;
      uint32_t cp = lx_utf8_decode(s + i, len - i, &step);
      if (cp == LX_UTF8_INVALID) cp = 0xFFFD;
      u16_put_cp(text, cp == '\n' ? ' ' : cp);
      i += step;
    }
  }
}

/* ---- pycocoevalcap's side: split the output into lines, drop punctuation -----------------------
 */

static const char *const DROPPED[] = {"''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".",
                                      "?",  "!", ",",  ":", "-",     "--",    "...",   ";"};

static bool dropped(const char *w, size_t n) {
  for (size_t i = 0; i < COUNT(DROPPED); i++)
    if (strlen(DROPPED[i]) == n && memcmp(DROPPED[i], w, n) == 0) return true;
  return false;
}

/* ' '.join(w for w in line.rstrip().split(' ') if w not in PUNCTUATIONS) */
static char *coco_line(const char *s, size_t n) {
  size_t b, e;
  lx_py_strip(s, n, &b, &e);
  size_t end = e > b ? e : 0; /* rstrip: all white space leaves nothing */
  lx_strbuf out = {0};
  bool first = true;
  for (size_t i = 0, start = 0; i <= end; i++) {
    if (i < end && s[i] != ' ') continue;
    if (!dropped(s + start, i - start)) {
      if (!first) lx_strbuf_putc(&out, ' ');
      lx_strbuf_append(&out, s + start, i - start);
      first = false;
    }
    start = i + 1;
  }
  char *r = lx_xstrdup(lx_strbuf_str(&out));
  lx_strbuf_free(&out);
  return r;
}

/* ---- the tokenizer ------------------------------------------------------------------------- */

static lx_lexer *new_lexer(void) {
  static const lx_lexer_charset sets[] = {
      {"letter", lx_ptb_letter, 0},
      {"digit", lx_ptb_digit, 0},
      {"uppercase", lx_ptb_upper, 0},
  };
  lx_lexer_charset named[3];
  memcpy(named, sets, sizeof named);
  named[0].n = lx_ptb_letter_n;
  named[1].n = lx_ptb_digit_n;
  named[2].n = lx_ptb_upper_n;
  /* each rule reports its index; the action is looked up from it */
  lx_lexer_rule rules[COUNT(RULES)];
  for (size_t r = 0; r < COUNT(RULES); r++)
    rules[r] = (lx_lexer_rule){RULES[r].pattern, RULES[r].lookahead, (int)r};
  lx_lexer_spec spec = {MACROS, COUNT(MACROS), rules, COUNT(RULES), named, 3, true};
  lx_lexer *lx = NULL;
  lx_error err;
  if (lx_lexer_new(&spec, &lx, &err)) {
    /* the rules are this file's: a failure here is a mistake in them, not bad input */
    fprintf(stderr, "ptb.c: %s\n", err.msg);
    abort();
  }
  return lx;
}

/* Applies the action of one match to text[s, e) (e may move back: a pushback). Appends the
 * token to tok, or sets *kind: 0 no token, 1 a token, 2 a line end. */
static void act(int action, const uint16_t *text, size_t s, size_t *e, u16buf *tok, int *kind) {
  const uint16_t *t = text + s;
  size_t n = *e - s;
  *kind = 1;
  switch ((ptb_action)action) {
    case A_TOKEN:
      for (size_t i = 0; i < n; i++) u16_put(tok, t[i]);
      break;
    case A_SPLIT3:
    case A_SPLIT2:
      *e -= action == A_SPLIT3 ? 3 : 2;
      for (size_t i = 0; i < *e - s; i++) u16_put(tok, t[i]);
      break;
    case A_SGML:
    case A_FRACTION:
      put_escaped(tok, t, n, true, false);
      break;
    case A_DASH:
      u16_puts(tok, "--");
      break;
    case A_AMP:
      put_amp_normalized(tok, t, n);
      break;
    case A_SOFT_HYPHENS:
      put_without_soft_hyphens(tok, t, n);
      break;
    case A_QUOTE_OPEN:
      put_quotes(tok, t, n, true);
      break;
    case A_QUOTE_CLOSE:
      put_quotes(tok, t, n, false);
      break;
    case A_FRACTION_CHAR:
      put_fraction_chars(tok, t, n);
      break;
    case A_CURRENCY:
      put_currency(tok, t, n);
      break;
    case A_ACRONYM:
      while (*e > s && trailing_blank(text[*e - 1])) --*e;
      if (*e - s == 2) { /* "I.": the letter now, the period next */
        --*e;
        for (size_t i = 0; i < *e - s; i++) u16_put(tok, t[i]);
      } else { /* "U.S.": with its period, and the period again next */
        for (size_t i = 0; i < *e - s; i++) u16_put(tok, t[i]);
        --*e;
      }
      break;
    case A_BEFORE_NUMBER:
      while (*e > s && trailing_blank(text[*e - 1])) --*e;
      for (size_t i = 0; i < *e - s; i++) u16_put(tok, t[i]);
      break;
    case A_ABBREV_END:
      for (size_t i = 0; i < n; i++) u16_put(tok, t[i]);
      --*e;
      break;
    case A_PHONE:
      put_escaped(tok, t, n, true, true);
      break;
    case A_SMILEY:
      put_escaped(tok, t, n, false, true);
      break;
    case A_LESS:
      u16_puts(tok, "<");
      break;
    case A_GREATER:
      u16_puts(tok, ">");
      break;
    case A_LCB:
      u16_puts(tok, "-LCB-");
      break;
    case A_RCB:
      u16_puts(tok, "-RCB-");
      break;
    case A_LSB:
      u16_puts(tok, "-LSB-");
      break;
    case A_RSB:
      u16_puts(tok, "-RSB-");
      break;
    case A_LRB:
      u16_puts(tok, "-LRB-");
      break;
    case A_RRB:
      u16_puts(tok, "-RRB-");
      break;
    case A_HYPHENS:
      if (n == 3 || n == 4)
        u16_puts(tok, "--");
      else
        for (size_t i = 0; i < n; i++) u16_put(tok, t[i]);
      break;
    case A_ELLIPSIS:
      u16_puts(tok, "...");
      break;
    case A_NEWLINE:
      *kind = 2;
      break;
    case A_SKIP:
    case A_UNTOKENIZABLE:
      *kind = 0;
      break;
  }
}

/* UTF-16 -> UTF-8 (a lone surrogate becomes '?', as Java's UTF-8 encoder writes it). */
static void put_utf8(lx_strbuf *out, const uint16_t *t, size_t n) {
  for (size_t i = 0; i < n;) {
    size_t len;
    uint32_t cp = cp_at(t, n, i, &len);
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = '?';
    lx_utf8_append(out, cp);
    i += len;
  }
}

void lx_ptb_tokenize(const char *const *captions, size_t n, lx_ptb_output what, lx_ptb_lines *out) {
  memset(out, 0, sizeof *out);
  out->n = n;
  out->line = lx_xcalloc(n ? n : 1, sizeof *out->line);
  if (n == 0) return;
  u16buf text = {0}, tok = {0}, low = {0};
  build_stream(captions, n, &text);
  lx_lexer *lx = new_lexer();
  lx_lexer_input in = {0};
  in.text = text.v;
  in.len = text.n;
  /* Java's output: tokens joined by spaces, a line break at each newline token */
  lx_strbuf java = {0};
  bool line_start = true;
  out->rule_hits = lx_xcalloc(COUNT(RULES), sizeof *out->rule_hits);
  int rule;
  size_t s, e;
  while (lx_lexer_next(lx, &in, &rule, &s, &e)) {
    int kind;
    tok.n = 0;
    out->rule_hits[rule]++;
    act(RULES[rule].action, text.v, s, &e, &tok, &kind);
    in.pos = e;
    if (kind == 2 && memchr(text.v + s, '\n', (e - s) * sizeof *text.v) == NULL) {
      /* a line break inside a caption (\r, \v, \f, U+2028, U+2029): Java ends the line
       * here, and pycocoevalcap then gives every later caption the line before its own; the
       * caption keeps its tokens instead */
      out->line_breaks++;
    } else if (kind == 2) {
      lx_strbuf_putc(&java, '\n');
      line_start = true;
    } else if (kind == 1) {
      if (!line_start) lx_strbuf_putc(&java, ' ');
      line_start = false;
      low.n = 0;
      put_java_lower(&low, tok.v, tok.n);
      put_utf8(&java, low.v, low.n);
    }
  }
  /* pycocoevalcap: lines = output.split('\n'), zipped with the captions */
  const char *p = lx_strbuf_str(&java), *end = p + java.len;
  for (size_t k = 0; k < n; k++) {
    const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    size_t len = p < end ? (size_t)((nl ? nl : end) - p) : 0;
    if (what == LX_PTB_COCO) {
      out->line[k] = coco_line(p, len);
    } else {
      out->line[k] = lx_xmalloc(len + 1);
      memcpy(out->line[k], p, len);
      out->line[k][len] = '\0';
    }
    p = nl ? nl + 1 : end;
  }
  lx_strbuf_free(&java);
  lx_lexer_input_free(&in);
  lx_lexer_free(lx);
  free(text.v);
  free(tok.v);
  free(low.v);
}

size_t lx_ptb_n_rules(void) {
  return COUNT(RULES);
}

const char *lx_ptb_rule_pattern(size_t rule, const char **lookahead) {
  *lookahead = rule < COUNT(RULES) ? RULES[rule].lookahead : NULL;
  return rule < COUNT(RULES) ? RULES[rule].pattern : NULL;
}

void lx_ptb_lines_free(lx_ptb_lines *l) {
  for (size_t i = 0; i < l->n; i++) free(l->line[i]);
  free(l->line);
  free(l->rule_hits);
  memset(l, 0, sizeof *l);
}
