/* The HTML report: the Markdown report's tables plus inline SVG charts and the gallery of answers,
 * one self-contained file with no external resource. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reports/gallery.h"
#include "reports/report.h"
#include "reports/report_model.h"

#define CHART_WIDTH      760
#define BAR_CHART_HEIGHT 300
#define RADAR_SIZE       460
#define MARGIN_LEFT      60
#define MARGIN_BOTTOM    90

/* Colours of runs A, B, C, ... (colour-blind-safe palette). */
static const char *const RUN_COLOURS[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                          "#56B4E9", "#D55E00", "#F0E442", "#000000"};
#define N_COLOURS (sizeof RUN_COLOURS / sizeof RUN_COLOURS[0])

static void escape(lx_strbuf *b, const char *s) {
  for (; *s; s++) {
    switch (*s) {
      case '<':
        lx_strbuf_puts(b, "&lt;");
        break;
      case '>':
        lx_strbuf_puts(b, "&gt;");
        break;
      case '&':
        lx_strbuf_puts(b, "&amp;");
        break;
      case '"':
        lx_strbuf_puts(b, "&quot;");
        break;
      default:
        lx_strbuf_putc(b, *s);
    }
  }
}

static const char *colour(size_t run) {
  return RUN_COLOURS[run % N_COLOURS];
}

/* Grouped bars: one group per category (and the overall), one bar per run, interval whiskers. */
static void bar_chart(lx_strbuf *b, const cJSON *model, const char *task, const char *metric,
                      double y_max, const char *title) {
  cJSON *cats = lx_rm_categories(model, task, metric);
  int n_groups = cJSON_GetArraySize(cats) + (strcmp(metric, "score") ? 1 : 0);
  int n_runs = cJSON_GetArraySize(cJSON_GetObjectItem(model, "runs"));
  double plot_w = CHART_WIDTH - MARGIN_LEFT - 20, plot_h = BAR_CHART_HEIGHT - MARGIN_BOTTOM - 30;
  double group_w = plot_w / (n_groups ? n_groups : 1),
         bar_w = group_w * 0.8 / (n_runs ? n_runs : 1);
  lx_strbuf_printf(
      b,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\">"
      "<title>",
      CHART_WIDTH, BAR_CHART_HEIGHT);
  escape(b, title);
  lx_strbuf_puts(b, "</title>\n");
  for (int tick = 0; tick <= 4; tick++) { /* the value axis */
    double v = y_max * tick / 4, y = 30 + plot_h * (1 - (double)tick / 4);
    lx_strbuf_printf(b,
                     "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                     "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%g</text>\n",
                     MARGIN_LEFT, y, CHART_WIDTH - 20, y, MARGIN_LEFT - 6, y + 4, v);
  }
  for (int g = 0; g < n_groups; g++) {
    bool overall = g == cJSON_GetArraySize(cats);
    const char *cat = overall ? "" : cJSON_GetArrayItem(cats, g)->valuestring;
    double x0 = MARGIN_LEFT + group_w * g + group_w * 0.1;
    const cJSON *run;
    int r = 0;
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
      const cJSON *row = lx_rm_row(lx_rm_task(run, task), cat, overall ? "accuracy" : metric);
      if (row) {
        double v = lx_rm_num(row, "value");
        const cJSON *iv = cJSON_GetObjectItem(row, "interval");
        double lo = cJSON_GetArrayItem(iv, 0)->valuedouble,
               hi = cJSON_GetArrayItem(iv, 1)->valuedouble;
        double x = x0 + bar_w * r, h = plot_h * fmin(fmax(v / y_max, 0), 1);
        double y_lo = 30 + plot_h * (1 - fmin(fmax(lo / y_max, 0), 1));
        double y_hi = 30 + plot_h * (1 - fmin(fmax(hi / y_max, 0), 1));
        lx_strbuf_printf(b,
                         "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                         "<title>%s: %.4g [%.4g, %.4g]</title></rect>\n",
                         x, 30 + plot_h - h, bar_w * 0.9, h, colour((size_t)r),
                         cJSON_GetObjectItem(run, "label")->valuestring, v, lo, hi);
        double xc = x + bar_w * 0.45;
        lx_strbuf_printf(
            b,
            "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\" stroke=\"#333\" "
            "stroke-width=\"1.2\" fill=\"none\"/>\n",
            xc, y_lo, y_hi, xc - 3, y_lo, xc + 3, xc - 3, y_hi, xc + 3);
      }
      r++;
    }
    lx_strbuf_printf(b, "<text transform=\"translate(%.1f %d) rotate(35)\" font-size=\"11\">",
                     x0 + group_w * 0.3, BAR_CHART_HEIGHT - MARGIN_BOTTOM + 12);
    escape(b, overall ? "overall" : cat);
    lx_strbuf_puts(b, "</text>\n");
  }
  lx_strbuf_puts(b, "</svg>\n");
  cJSON_Delete(cats);
}

/* The MME radar: one axis per subtask (score 0-200), one polygon per run. */
/* A radar of a task's per-category metric (at most `max`), one polygon per run: MME's subtask
 * scores, SEED-Bench's dimensions, MMBench's abilities. */
static void radar(lx_strbuf *b, const cJSON *model, const char *task, const char *metric,
                  double max, const char *title) {
  cJSON *cats = lx_rm_categories(model, task, metric);
  int n = cJSON_GetArraySize(cats);
  if (n < 3) {
    cJSON_Delete(cats);
    return;
  }
  double c = RADAR_SIZE / 2.0, radius = RADAR_SIZE / 2.0 - 80;
  lx_strbuf_printf(
      b,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\">"
      "<title>",
      RADAR_SIZE, RADAR_SIZE);
  escape(b, title);
  lx_strbuf_puts(b, "</title>\n");
  for (int ring = 1; ring <= 4; ring++) {
    lx_strbuf_puts(b, "<polygon fill=\"none\" stroke=\"#ddd\" points=\"");
    for (int k = 0; k < n; k++) {
      double a = 2 * M_PI * k / n - M_PI / 2, r = radius * ring / 4;
      lx_strbuf_printf(b, "%.1f,%.1f ", c + r * cos(a), c + r * sin(a));
    }
    lx_strbuf_puts(b, "\"/>\n");
  }
  for (int k = 0; k < n; k++) {
    double a = 2 * M_PI * k / n - M_PI / 2;
    lx_strbuf_printf(b,
                     "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ccc\"/>"
                     "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">",
                     c, c, c + radius * cos(a), c + radius * sin(a), c + (radius + 30) * cos(a),
                     c + (radius + 30) * sin(a));
    escape(b, cJSON_GetArrayItem(cats, k)->valuestring);
    lx_strbuf_puts(b, "</text>\n");
  }
  const cJSON *run;
  size_t r = 0;
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
    lx_strbuf_printf(
        b, "<polygon fill=\"%s\" fill-opacity=\"0.15\" stroke=\"%s\" stroke-width=\"2\" points=\"",
        colour(r), colour(r));
    for (int k = 0; k < n; k++) {
      const cJSON *row =
          lx_rm_row(lx_rm_task(run, task), cJSON_GetArrayItem(cats, k)->valuestring, metric);
      double v = row ? lx_rm_num(row, "value") : 0, a = 2 * M_PI * k / n - M_PI / 2;
      double rr = radius * fmin(fmax(v / max, 0), 1);
      lx_strbuf_printf(b, "%.1f,%.1f ", c + rr * cos(a), c + rr * sin(a));
    }
    lx_strbuf_puts(b, "\"/>\n");
    r++;
  }
  lx_strbuf_puts(b, "</svg>\n");
  cJSON_Delete(cats);
}

/* Paired differences B - A with their intervals, one line per overall row. */
static void difference_chart(lx_strbuf *b, const cJSON *result, const char *title) {
  const cJSON *t, *r;
  int n = 0;
  double span = 0;
  cJSON_ArrayForEach(t, cJSON_GetObjectItem(result, "tasks")) {
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(t, "rows")) {
      if (cJSON_GetObjectItem(r, "category")->valuestring[0]) continue;
      const cJSON *iv = cJSON_GetObjectItem(r, "interval");
      span = fmax(span, fmax(fabs(cJSON_GetArrayItem(iv, 0)->valuedouble),
                             fabs(cJSON_GetArrayItem(iv, 1)->valuedouble)));
      n++;
    }
  }
  if (n == 0) return;
  if (span == 0) span = 1;
  int height = 56 + 34 * n, label_w = 230;
  double mid = label_w + (CHART_WIDTH - label_w - 20) / 2.0,
         half = (CHART_WIDTH - label_w - 40) / 2.0;
  lx_strbuf_printf(
      b,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\"><title>",
      CHART_WIDTH, height);
  escape(b, title);
  lx_strbuf_printf(b,
                   "</title>\n<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" "
                   "stroke-dasharray=\"4 3\"/>\n",
                   mid, mid, height - 24);
  for (int tick = -1; tick <= 1; tick++) /* the difference axis: -span, 0, +span */
    lx_strbuf_printf(
        b, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%+.3g</text>\n",
        mid + half * tick, height - 8, span * tick);
  int k = 0;
  cJSON_ArrayForEach(t, cJSON_GetObjectItem(result, "tasks")) {
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(t, "rows")) {
      if (cJSON_GetObjectItem(r, "category")->valuestring[0]) continue;
      const cJSON *iv = cJSON_GetObjectItem(r, "interval");
      double y = 30 + 34.0 * k++, d = lx_rm_num(r, "diff");
      double lo = cJSON_GetArrayItem(iv, 0)->valuedouble,
             hi = cJSON_GetArrayItem(iv, 1)->valuedouble;
      bool drop = cJSON_IsTrue(cJSON_GetObjectItem(r, "regression"));
      const char *col = drop                                                  ? "#D55E00"
                        : cJSON_IsTrue(cJSON_GetObjectItem(r, "significant")) ? "#009E73"
                                                                              : "#333";
      lx_strbuf_printf(b, "<text x=\"4\" y=\"%.1f\" font-size=\"12\">", y + 4);
      escape(b, cJSON_GetObjectItem(r, "task")->valuestring);
      lx_strbuf_puts(b, " ");
      escape(b, cJSON_GetObjectItem(r, "metric")->valuestring);
      lx_strbuf_printf(b,
                       "</text><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                       "stroke-width=\"2\"/>"
                       "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"><title>%+.4g [%.4g, "
                       "%.4g], p (Holm) %.3g</title></circle>\n",
                       mid + half * lo / span, y, mid + half * hi / span, y, col,
                       mid + half * d / span, y, col, d, lo, hi, lx_rm_num(r, "p_holm"));
    }
  }
  lx_strbuf_puts(b, "</svg>\n");
}

/* A Markdown table (from lx_report_markdown's section) as an HTML table. */
/* A section's anchor: its title in lower case, runs of other characters as one '-'. */
static void anchor(lx_strbuf *b, const char *title) {
  bool dash = false, started = false;
  for (const char *p = title; *p; p++) {
    char c = *p;
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    if (keep) {
      if (dash && started) lx_strbuf_putc(b, '-');
      started = true;
      lx_strbuf_putc(b, (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    }
    dash = !keep;
  }
}

/* Links to the report's sections (the Markdown's "## " headings) and to the answers. */
static void contents(lx_strbuf *b, const char *md, bool answers) {
  lx_strbuf_puts(b, "<nav>");
  for (const char *p = strstr(md, "\n## "); p; p = strstr(p + 1, "\n## ")) {
    const char *title = p + 4, *end = strchr(title, '\n');
    char text[300];
    snprintf(text, sizeof text, "%.*s", (int)(end ? end - title : (long)strlen(title)), title);
    lx_strbuf_puts(b, "<a href=\"#");
    anchor(b, text);
    lx_strbuf_puts(b, "\">");
    escape(b, text);
    lx_strbuf_puts(b, "</a> ");
  }
  if (answers) lx_strbuf_puts(b, "<a href=\"#answers\">Answers</a>");
  lx_strbuf_puts(b, "</nav>\n");
}

/* swatches: the table lists the runs; each row's first cell gets the run's colour. */
static void html_table_from_markdown(lx_strbuf *b, const char *md_table, bool swatches) {
  lx_strbuf_puts(b, "<table>\n");
  int row = 0;
  for (const char *line = md_table; *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    if (len > 1 && line[0] == '|' && line[1] != '-') {
      lx_strbuf_puts(b, "<tr>");
      const char *cellp = line + 1;
      while (cellp < line + len) {
        const char *bar = memchr(cellp, '|', (size_t)(line + len - cellp));
        if (!bar) break;
        char text[512];
        size_t n = (size_t)(bar - cellp);
        snprintf(text, sizeof text, "%.*s", (int)(n < sizeof text - 1 ? n : sizeof text - 1),
                 cellp);
        char *t = text;
        while (*t == ' ') t++;
        size_t tl = strlen(t);
        while (tl && t[tl - 1] == ' ') t[--tl] = '\0';
        bool strong = tl > 4 && !strncmp(t, "**", 2) && !strcmp(t + tl - 2, "**");
        if (strong) {
          t[tl - 2] = '\0';
          t += 2;
        }
        lx_strbuf_puts(b, row == 0 ? "<th>" : strong ? "<td><strong>" : "<td>");
        if (swatches && row > 0 && cellp == line + 1)
          lx_strbuf_printf(b, "<i class=\"swatch\" style=\"background:%s\"></i>",
                           colour((size_t)row - 1));
        for (char *q = strstr(t, "**"); q; q = strstr(q, "**"))
          memmove(q, q + 2, strlen(q + 2) + 1);
        escape(b, t);
        lx_strbuf_puts(b, row == 0 ? "</th>" : strong ? "</strong></td>" : "</td>");
        cellp = bar + 1;
      }
      lx_strbuf_puts(b, "</tr>\n");
      row++;
    }
    line += len + (end ? 1 : 0);
  }
  lx_strbuf_puts(b, "</table>\n");
}

void lx_report_html(const cJSON *model, const cJSON *gallery, lx_strbuf *b) {
  /* the Markdown report, section by section, becomes the text; charts go after each task's table */
  lx_strbuf md = {0};
  lx_report_markdown(model, &md);
  lx_strbuf_puts(
      b,
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>lynxeval report</title><style>"
      "body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}"
      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
      "font-size:13px;text-align:left}th{background:#f4f4f4}"
      "i.swatch,.g-run i{display:inline-block;width:12px;height:12px;margin-right:6px;"
      "vertical-align:middle}svg{display:block;margin:1em 0}nav a{margin-right:1em}"
      ".g-controls label{margin-right:1em}.g-pager{margin:.5em 0}"
      ".g-item{display:flex;gap:12px;border-top:1px solid #ddd;padding:10px 0}"
      ".g-disagree{background:#fff8e8}.g-media{flex:0 0 170px;display:flex;flex-wrap:wrap;"
      "gap:2px;align-content:flex-start}.g-media img{max-width:160px;max-height:160px}"
      ".g-nopic{font-size:11px;color:#888;word-break:break-all}.g-body{flex:1}"
      ".g-meta{font-size:12px;color:#666}.g-q{font-weight:600;margin:2px 0}"
      ".g-refs{font-size:13px;color:#444}.g-answers{margin:.4em 0}.g-answers td{border:none;"
      "border-bottom:1px solid #eee}.g-wrong{color:#b00}.g-verdict{color:#070}"
      "</style></head><body>\n");
  const char *p = lx_strbuf_str(&md);
  char section[300] = "";
  while (*p) {
    const char *end = strchr(p, '\n');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len > 2 && p[0] == '#') {
      int level = p[1] == '#' ? 2 : 1;
      snprintf(section, sizeof section, "%.*s", (int)(len - (size_t)level - 1), p + level + 1);
      lx_strbuf_printf(b, "<h%d id=\"", level);
      anchor(b, section);
      lx_strbuf_puts(b, "\">");
      escape(b, section);
      lx_strbuf_printf(b, "</h%d>\n", level);
      if (level == 1) contents(b, lx_strbuf_str(&md), gallery != NULL);
      p += len + (end ? 1 : 0);
    } else if (p[0] == '|') {
      const char *start = p;
      while (*p == '|') {
        const char *e = strchr(p, '\n');
        p = e ? e + 1 : p + strlen(p);
      }
      lx_strbuf tbl = {0};
      lx_strbuf_append(&tbl, start, (size_t)(p - start));
      html_table_from_markdown(b, lx_strbuf_str(&tbl), !strcmp(section, "Runs"));
      lx_strbuf_free(&tbl);
      /* the chart of this section */
      const cJSON *run, *tj = NULL;
      cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
        if (!tj) tj = lx_rm_task(run, section);
      }
      if (tj) {
        const char *scorer = cJSON_GetObjectItem(tj, "scorer")->valuestring;
        if (!strcmp(scorer, "mme")) {
          radar(b, model, section, "score", 200, "MME subtask scores");
        } else if (!strcmp(scorer, "seed-bench")) {
          radar(b, model, section, "accuracy", 100, "SEED-Bench dimensions: accuracy");
        } else if (!strcmp(scorer, "mmbench")) {
          radar(b, model, section, "accuracy", 100, "MMBench abilities (L2): circular accuracy");
        } else if (strcmp(scorer, "caption") != 0) {
          char title[400];
          snprintf(title, sizeof title, "%s: accuracy per category with intervals", section);
          bar_chart(b, model, section, "accuracy", 100, title);
        }
      } else {
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(model, "comparisons")) {
          const cJSON *res = cJSON_GetObjectItem(c, "result");
          const cJSON *runs = cJSON_GetObjectItem(model, "runs");
          char title[300];
          snprintf(title, sizeof title, "%s - %s",
                   cJSON_GetObjectItem(cJSON_GetArrayItem(runs, (int)lx_rm_num(c, "b")), "label")
                       ->valuestring,
                   cJSON_GetObjectItem(cJSON_GetArrayItem(runs, (int)lx_rm_num(c, "a")), "label")
                       ->valuestring);
          if (res && !strcmp(title, section)) difference_chart(b, res, title);
        }
      }
    } else {
      if (len) {
        lx_strbuf_puts(b, len > 2 && p[0] == '-' ? "<p>&bull; " : "<p>");
        lx_strbuf tmp = {0}; /* Markdown's ** and ` marks dropped */
        for (size_t k = len > 2 && p[0] == '-' ? 2 : 0; k < len; k++)
          if (p[k] != '*' && p[k] != '`') lx_strbuf_putc(&tmp, p[k]);
        escape(b, lx_strbuf_str(&tmp));
        lx_strbuf_free(&tmp);
        lx_strbuf_puts(b, "</p>\n");
      }
      p += len + (end ? 1 : 0);
    }
  }
  if (gallery) lx_gallery_html(gallery, RUN_COLOURS, (int)N_COLOURS, b);
  lx_strbuf_puts(
      b,
      "<p><small>Made by lynxeval from run directories only; every number above is in the "
      "runs' aggregate.json and scores.jsonl, every answer in their predictions.jsonl."
      "</small></p>\n</body></html>\n");
  lx_strbuf_free(&md);
}
