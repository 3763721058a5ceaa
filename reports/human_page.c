/* The rater's annotation page: one HTML file with the items, the images as data URIs and a small
 * script; it works offline, keeps ratings in the browser's storage as they are given, and saves
 * them as ratings-<rater>.json for `lynxeval human import`. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reports/human.h"

/* The page's script: builds the form from the embedded data, saves the ratings file. */
static const char SCRIPT[] =
    "(function(){\n"
    "const data=JSON.parse(document.getElementById('lx-data').textContent);\n"
    "const grade=data.protocol==='grade';\n"
    "const store='lynxeval-ratings-'+data.package+'-'+data.rater;\n"
    "let saved={};try{saved=JSON.parse(localStorage.getItem(store)||'{}');}catch(e){saved={};}\n"
    "const units=[];\n"
    "const main=document.getElementById('items');\n"
    "function el(tag,cls,text){const "
    "e=document.createElement(tag);if(cls)e.className=cls;if(text!==undefined)e.textContent=text;"
    "return e;}\n"
    "function choices(unit,values,hints){\n"
    "  const box=el('div','choices');\n"
    "  values.forEach(function(v,i){\n"
    "    const lab=el('label');const inp=document.createElement('input');\n"
    "    inp.type='radio';inp.name=unit.key;inp.value=v;inp.dataset.unit=unit.key;\n"
    "    if(saved[unit.key]===v)inp.checked=true;\n"
    "    "
    "inp.addEventListener('change',function(){saved[unit.key]=v;try{localStorage.setItem(store,"
    "JSON.stringify(saved));}catch(e){}progress();});\n"
    "    lab.appendChild(inp);lab.appendChild(document.createTextNode(' "
    "'+v));if(hints)lab.title=hints[i];box.appendChild(lab);});\n"
    "  return box;}\n"
    "data.items.forEach(function(it,n){\n"
    "  const sec=el('section','item');sec.appendChild(el('h2',null,'Item '+(n+1)+' of "
    "'+data.items.length));\n"
    "  const pics=el('div','media');it.media.forEach(function(f){const "
    "img=document.createElement('img');img.src=data.media[f];img.alt='image';pics.appendChild(img);"
    "});\n"
    "  sec.appendChild(pics);sec.appendChild(el('p','question',it.question));\n"
    "  if(grade){it.answers.forEach(function(a,k){\n"
    "    const unit={key:it.item+'/'+a.answer,item:it.item,answer:a.answer};units.push(unit);\n"
    "    const card=el('div','answer');card.appendChild(el('div','label','Answer "
    "'+(k+1)));card.appendChild(el('div','text',a.text));\n"
    "    "
    "card.appendChild(choices(unit,['A','B','C','D'],[data.scale.A,data.scale.B,data.scale.C,data."
    "scale.D]));sec.appendChild(card);});}\n"
    "  else{it.pairs.forEach(function(p){\n"
    "    const unit={key:it.item+'/'+p.pair,item:it.item,pair:p.pair};units.push(unit);\n"
    "    const row=el('div','pair');const "
    "l=el('div','answer');l.appendChild(el('div','label','Left'));l.appendChild(el('div','text',p."
    "left_text));\n"
    "    const "
    "r=el('div','answer');r.appendChild(el('div','label','Right'));r.appendChild(el('div','text',p."
    "right_text));\n"
    "    "
    "row.appendChild(l);row.appendChild(r);sec.appendChild(row);sec.appendChild(choices(unit,['"
    "left','right','tie'],['the left answer is better','the right answer is better','equally "
    "good']));});}\n"
    "  main.appendChild(sec);});\n"
    "function progress(){const done=units.filter(function(u){return saved[u.key];}).length;\n"
    "  document.getElementById('progress').textContent=done+' of '+units.length+' rated';return "
    "done;}\n"
    "progress();\n"
    "document.getElementById('save').addEventListener('click',function(){\n"
    "  const done=progress();\n"
    "  if(done<units.length&&!window.confirm((units.length-done)+' unrated: lynxeval will refuse "
    "an incomplete file. Save anyway?'))return;\n"
    "  const ratings=units.filter(function(u){return saved[u.key];}).map(function(u){\n"
    "    return "
    "grade?{item:u.item,answer:u.answer,grade:saved[u.key]}:{item:u.item,pair:u.pair,preference:"
    "saved[u.key]};});\n"
    "  const "
    "out={format:'lynxeval-ratings-1',package:data.package,rater:data.rater,protocol:data.protocol,"
    "saved:new Date().toISOString(),ratings:ratings};\n"
    "  const blob=new Blob([JSON.stringify(out,null,1)],{type:'application/json'});\n"
    "  const "
    "a=document.createElement('a');a.href=URL.createObjectURL(blob);a.download='ratings-'+data."
    "rater+'.json';\n"
    "  document.body.appendChild(a);a.click();a.remove();\n"
    "  document.getElementById('status').textContent='Saved '+ratings.length+' ratings as "
    "ratings-'+data.rater+'.json';});\n"
    "})();\n";

static const char STYLE[] =
    "body{font-family:system-ui,sans-serif;max-width:980px;margin:1.5em auto;color:#222;padding:0 "
    "1em}"
    "header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:.5em "
    "0;z-index:1}"
    ".item{border-bottom:2px solid #eee;padding:1em 0}.media "
    "img{max-width:100%;max-height:420px;margin:4px}"
    ".question{font-weight:600;font-size:1.1em}.answer{border:1px solid "
    "#ddd;border-radius:6px;padding:.6em;margin:.5em 0}"
    ".pair{display:grid;grid-template-columns:1fr 1fr;gap:1em}.label{color:#666;font-size:.85em}"
    ".text{white-space:pre-wrap;margin:.3em 0}.choices label{margin-right:1.2em;cursor:pointer}"
    "button{font-size:1em;padding:.4em 1em}";

static void escape_html(lx_strbuf *b, const char *s) {
  for (; *s; s++) {
    if (*s == '<')
      lx_strbuf_puts(b, "&lt;");
    else if (*s == '&')
      lx_strbuf_puts(b, "&amp;");
    else
      lx_strbuf_putc(b, *s);
  }
}

void lx_human_page(const cJSON *package, const cJSON *items, const cJSON *media, const char *rater,
                   lx_strbuf *out) {
  cJSON *data = cJSON_CreateObject();
  cJSON_AddStringToObject(data, "package", cJSON_GetObjectItem(package, "package")->valuestring);
  cJSON_AddStringToObject(data, "protocol", cJSON_GetObjectItem(package, "protocol")->valuestring);
  cJSON_AddStringToObject(data, "rater", rater);
  cJSON_AddItemToObject(data, "scale", cJSON_Duplicate(cJSON_GetObjectItem(package, "scale"), 1));
  cJSON_AddItemToObject(data, "items", cJSON_Duplicate(items, 1));
  cJSON_AddItemToObject(data, "media", cJSON_Duplicate(media, 1));
  char *json = cJSON_PrintUnformatted(data);
  cJSON_Delete(data);
  bool grade = !strcmp(cJSON_GetObjectItem(package, "protocol")->valuestring, "grade");
  lx_strbuf_puts(
      out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Rating: ");
  escape_html(out, rater);
  lx_strbuf_printf(out, "</title><style>%s</style></head><body>\n<header><strong>", STYLE);
  escape_html(out, rater);
  lx_strbuf_puts(out, "</strong>: ");
  lx_strbuf_puts(
      out, grade ? "grade each answer. A: correct and satisfying; B: acceptable, with minor flaws; "
                   "C: responds, but with significant errors; D: irrelevant or invalid."
                 : "for each pair of answers, choose the better one, or tie.");
  lx_strbuf_puts(
      out,
      " The models are hidden. <span id=\"progress\"></span> "
      "<button id=\"save\" type=\"button\">Save ratings</button> <span id=\"status\"></span>"
      "</header>\n<main id=\"items\"></main>\n<script type=\"application/json\" id=\"lx-data\">");
  /* "</" cannot appear inside a script element: write it as the JSON escape "<\/" */
  for (const char *p = json; *p; p++) {
    if (p[0] == '<' && p[1] == '/') {
      lx_strbuf_puts(out, "<\\/");
      p++;
    } else {
      lx_strbuf_putc(out, *p);
    }
  }
  free(json);
  lx_strbuf_printf(out, "</script>\n<script>\n%s</script>\n</body></html>\n", SCRIPT);
}
