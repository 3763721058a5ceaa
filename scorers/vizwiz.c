#include "scorers/vizwiz.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/unicode.h"
#include "scorers/textvqa.h"
#include "scorers/vqa_accuracy.h"

/* The contraction table of the VizWiz API's vqaEval.py, entries and quirks as they are: VQA's
 * table with most apostrophes typographic (U+2019). Keys with capitals never match after
 * lowercasing, as in VQA's. */
static const lx_word_map CONTRACTIONS[] = {
    {"aint", "ain't"},
    {"arent", "aren't"},
    {"cant", "can't"},
    {"couldve", "could've"},
    {"couldnt", "couldn't"},
    {"couldn'tve", "couldn’t’ve"},
    {"couldnt’ve", "couldn’t’ve"},
    {"didnt", "didn’t"},
    {"doesnt", "doesn’t"},
    {"dont", "don’t"},
    {"hadnt", "hadn’t"},
    {"hadnt’ve", "hadn’t’ve"},
    {"hadn'tve", "hadn’t’ve"},
    {"hasnt", "hasn’t"},
    {"havent", "haven’t"},
    {"hed", "he’d"},
    {"hed’ve", "he’d’ve"},
    {"he’dve", "he’d’ve"},
    {"hes", "he’s"},
    {"howd", "how’d"},
    {"howll", "how’ll"},
    {"hows", "how’s"},
    {"Id’ve", "I’d’ve"},
    {"I’dve", "I’d’ve"},
    {"Im", "I’m"},
    {"Ive", "I’ve"},
    {"isnt", "isn’t"},
    {"itd", "it’d"},
    {"itd’ve", "it’d’ve"},
    {"it’dve", "it’d’ve"},
    {"itll", "it’ll"},
    {"let’s", "let’s"},
    {"maam", "ma’am"},
    {"mightnt", "mightn’t"},
    {"mightnt’ve", "mightn’t’ve"},
    {"mightn’tve", "mightn’t’ve"},
    {"mightve", "might’ve"},
    {"mustnt", "mustn’t"},
    {"mustve", "must’ve"},
    {"neednt", "needn’t"},
    {"notve", "not’ve"},
    {"oclock", "o’clock"},
    {"oughtnt", "oughtn’t"},
    {"ow’s’at", "’ow’s’at"},
    {"’ows’at", "’ow’s’at"},
    {"’ow’sat", "’ow’s’at"},
    {"shant", "shan’t"},
    {"shed’ve", "she’d’ve"},
    {"she’dve", "she’d’ve"},
    {"she’s", "she’s"},
    {"shouldve", "should’ve"},
    {"shouldnt", "shouldn’t"},
    {"shouldnt’ve", "shouldn’t’ve"},
    {"shouldn’tve", "shouldn’t’ve"},
    {"somebody’d", "somebodyd"},
    {"somebodyd’ve", "somebody’d’ve"},
    {"somebody’dve", "somebody’d’ve"},
    {"somebodyll", "somebody’ll"},
    {"somebodys", "somebody’s"},
    {"someoned", "someone’d"},
    {"someoned’ve", "someone’d’ve"},
    {"someone’dve", "someone’d’ve"},
    {"someonell", "someone’ll"},
    {"someones", "someone’s"},
    {"somethingd", "something’d"},
    {"somethingd’ve", "something’d’ve"},
    {"something’dve", "something’d’ve"},
    {"somethingll", "something’ll"},
    {"thats", "that’s"},
    {"thered", "there’d"},
    {"thered’ve", "there’d’ve"},
    {"there’dve", "there’d’ve"},
    {"therere", "there’re"},
    {"theres", "there’s"},
    {"theyd", "they’d"},
    {"theyd’ve", "they’d’ve"},
    {"they’dve", "they’d’ve"},
    {"theyll", "they’ll"},
    {"theyre", "they’re"},
    {"theyve", "they’ve"},
    {"twas", "’twas"},
    {"wasnt", "wasn’t"},
    {"wed’ve", "we’d’ve"},
    {"we’dve", "we’d’ve"},
    {"weve", "we've"},
    {"werent", "weren’t"},
    {"whatll", "what’ll"},
    {"whatre", "what’re"},
    {"whats", "what’s"},
    {"whatve", "what’ve"},
    {"whens", "when’s"},
    {"whered", "where’d"},
    {"wheres", "where's"},
    {"whereve", "where’ve"},
    {"whod", "who’d"},
    {"whod’ve", "who’d’ve"},
    {"who’dve", "who’d’ve"},
    {"wholl", "who’ll"},
    {"whos", "who’s"},
    {"whove", "who've"},
    {"whyll", "why’ll"},
    {"whyre", "why’re"},
    {"whys", "why’s"},
    {"wont", "won’t"},
    {"wouldve", "would’ve"},
    {"wouldnt", "wouldn’t"},
    {"wouldnt’ve", "wouldn’t’ve"},
    {"wouldn’tve", "wouldn’t’ve"},
    {"yall", "y’all"},
    {"yall’ll", "y’all’ll"},
    {"y’allll", "y’all’ll"},
    {"yall’d’ve", "y’all’d’ve"},
    {"y’alld’ve", "y’all’d’ve"},
    {"y’all’dve", "y’all’d’ve"},
    {"youd", "you’d"},
    {"youd’ve", "you’d’ve"},
    {"you’dve", "you’d’ve"},
    {"youll", "you’ll"},
    {"youre", "you’re"},
    {"youve", "you’ve"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void lx_vizwiz_upload_answer(const char *answer, lx_strbuf *out) {
  lx_evalai_process(answer, out);
}

void lx_vizwiz_normalize(const char *pred, lx_strbuf *out) {
  lx_strbuf clean = {0}, punct = {0};
  for (const char *p = pred; *p; p++) lx_strbuf_putc(&clean, *p == '\n' || *p == '\t' ? ' ' : *p);
  size_t b = 0, e = clean.len;
  lx_py_strip(lx_strbuf_str(&clean), clean.len, &b, &e);
  lx_strbuf stripped = {0};
  lx_strbuf_append(&stripped, lx_strbuf_str(&clean) + b, e - b);
  lx_vqa_punctuation(lx_strbuf_str(&stripped), &punct);
  lx_vqa_digits_articles_with(lx_strbuf_str(&punct), CONTRACTIONS, COUNT(CONTRACTIONS), out);
  lx_strbuf_free(&clean);
  lx_strbuf_free(&stripped);
  lx_strbuf_free(&punct);
}

double lx_vizwiz_accuracy(const char *pred, const char *const *refs, size_t n_refs) {
  lx_strbuf answer = {0};
  lx_vizwiz_normalize(pred, &answer);
  bool *same = lx_xcalloc(n_refs + 1, sizeof *same);
  for (size_t j = 0; j < n_refs; j++) same[j] = strcmp(refs[j], lx_strbuf_str(&answer)) == 0;
  double score = lx_vqa_soft_score(same, n_refs); /* the references as written */
  free(same);
  lx_strbuf_free(&answer);
  return score;
}
