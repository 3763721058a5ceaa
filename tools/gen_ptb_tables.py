#!/usr/bin/python3
"""Writes text/ptb_tables.c: the character data the PTB 3.4.1 caption tokenizer needs, taken
from the two programs whose behaviour it reproduces.

1. From Stanford CoreNLP 3.4.1's PTBTokenizer itself (the jar pycocoevalcap ships): the three
   predefined classes its lexer was generated with, [:letter:], [:digit:] and [:uppercase:]
   (Java's Character.isLetter / isDigit / isUpperCase as of the JDK that generated it in 2014,
   not the one that runs it). They are read off the tokenizer's behaviour, one probe line per
   character and class:
     "y'" + c    the first token is "y'" only if c is a [:letter:] (rule APOWORD2 / [:letter:]);
                 ASCII letters are letters (for s, m, d the rule WORD / REDAUX wins the tie)
     "+" + c     one token "+c" only if c is a digit (rule NUMBER; DIGIT adds U+07C0-07C9,
                 which are [:digit:] too: "no." + c keeps "no." only before a [:digit:])
     "etc. " + c "etc." is followed by "." only if c is [:uppercase:] (rule ABBREV1 / SENTEND),
                 or a space or newline, or "." itself (those are known, not upper case)
2. From the Java runtime that runs it (Java 17 here): Character.toLowerCase for every code
   point, which String.toLowerCase(Locale.ENGLISH) applies under -lowerCase, and what its
   final-sigma rule reads: the "cased" property and the character classes of the word
   BreakIterator's rules (letters, digits, marks, format characters, dashes, currency).

  /usr/bin/python3 tools/gen_ptb_tables.py --jar stanford-corenlp-3.4.1.jar [--java java]

(then formatted with clang-format, when it is installed, as the format check expects).

The jar is in pycocoevalcap's package on the Python package index
(pycocoevalcap/tokenizer/stanford-corenlp-3.4.1.jar). Nothing of it is copied: only the answers
of the probes are written.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "text", "ptb_tables.c")

BREAK_CLASSES = ["letter", "digit", "mark", "format", "dash", "currency"]
NEWLINES = {0x0A, 0x0D, 0x0B, 0x0C, 0x85, 0x2028, 0x2029}
SPACES = {0x09, 0x20, 0xA0, 0x3000} | set(range(0x2000, 0x200B))

JAVA_SOURCE = r"""
public class PtbJavaTables {
  static boolean cased(int ch) { // ConditionalSpecialCasing.isCased
    int t = Character.getType(ch);
    if (t == Character.LOWERCASE_LETTER || t == Character.UPPERCASE_LETTER
        || t == Character.TITLECASE_LETTER) return true;
    return (ch >= 0x02B0 && ch <= 0x02B8) || (ch >= 0x02C0 && ch <= 0x02C1)
        || (ch >= 0x02E0 && ch <= 0x02E4) || ch == 0x0345 || ch == 0x037A
        || (ch >= 0x1D2C && ch <= 0x1D61) || (ch >= 0x2160 && ch <= 0x217F)
        || (ch >= 0x24B6 && ch <= 0x24E9);
  }
  // The classes of the word BreakIterator's rules (sun.text.resources.BreakIteratorRules)
  static String breakClass(int ch) {
    int t = Character.getType(ch);
    if (t == Character.FORMAT) return "format";
    if (t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK) return "mark";
    if (Character.isLetter(ch) || t == Character.COMBINING_SPACING_MARK) return "letter";
    if (t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER
        || t == Character.OTHER_NUMBER) return "digit";
    if (t == Character.DASH_PUNCTUATION || t == Character.CONNECTOR_PUNCTUATION) return "dash";
    if (t == Character.CURRENCY_SYMBOL) return "currency";
    return null;
  }
  public static void main(String[] a) {
    StringBuilder b = new StringBuilder();
    b.append("version ").append(System.getProperty("java.version")).append('\n');
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      int lo = Character.toLowerCase(cp);
      if (lo != cp) b.append("lower ").append(cp).append(' ').append(lo).append('\n');
      if (cased(cp)) b.append("cased ").append(cp).append('\n');
      String k = breakClass(cp);
      if (k != null) b.append(k).append(' ').append(cp).append('\n');
    }
    System.out.print(b);
  }
}
"""


def ptb_lines(jar, java, lines):
    """The tokenizer's output lines for the stream of lines, as pycocoevalcap runs it."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "in.txt")
        with open(path, "wb") as f:
            f.write("\n".join(lines).encode("utf-8"))
        out = subprocess.run([java, "-cp", jar, "edu.stanford.nlp.process.PTBTokenizer",
                              "-preserveLines", "-lowerCase", path],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
    return out.decode("utf-8").split("\n")


def probe_classes(jar, java):
    chars = [c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF and c not in NEWLINES]
    probes = []
    for c in chars:
        probes += ["y'" + chr(c), "+" + chr(c), "etc. " + chr(c)]
    out = ptb_lines(jar, java, probes)
    if len(out) < len(probes):
        sys.exit("gen_ptb_tables: the tokenizer returned %d lines for %d probes" % (len(out), len(probes)))
    letter, digit, upper = set(), set(), set()
    for i, c in enumerate(chars):
        first = [line.split(" ") for line in out[3 * i:3 * i + 3]]
        if first[0][0] == "y'":
            letter.add(c)
        if len(first[1][0]) == 2 and first[1][0][0] == "+":
            digit.add(c)
        if first[2][:2] == ["etc.", "."] and c not in SPACES and c != ord("."):
            upper.add(c)
    letter |= set(range(ord("A"), ord("Z") + 1)) | set(range(ord("a"), ord("z") + 1))
    return letter, digit, upper


def java_tables(java):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "PtbJavaTables.java")
        with open(src, "w") as f:
            f.write(JAVA_SOURCE)
        out = subprocess.run([java, src], stdout=subprocess.PIPE, check=True).stdout.decode()
    version, lower, sets = None, [], {k: set() for k in BREAK_CLASSES + ["cased"]}
    for line in out.splitlines():
        parts = line.split()
        if parts[0] == "version":
            version = parts[1]
        elif parts[0] == "lower":
            lower.append((int(parts[1]), int(parts[2])))
        else:
            sets[parts[0]].add(int(parts[1]))
    return version, lower, sets


def ranges(cs):
    out = []
    for c in sorted(cs):
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def c_ranges(name, ctype, rs):
    items = ["{0x%X, 0x%X}" % (a, b) for a, b in rs]
    text = "const %s %s[][2] = {\n" % (ctype, name)
    for i in range(0, len(items), 5):
        text += "    " + ", ".join(items[i:i + 5]) + ",\n"
    text += "};\nconst size_t %s_n = %d;\n\n" % (name, len(rs))
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", required=True, help="stanford-corenlp-3.4.1.jar")
    ap.add_argument("--java", default="java")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    letter, digit, upper = probe_classes(args.jar, args.java)
    version, lower, sets = java_tables(args.java)
    text = ("/* Generated by tools/gen_ptb_tables.py: the lexer's classes probed from CoreNLP 3.4.1's\n"
            " * PTBTokenizer, the case data from Java %s. Do not edit. */\n" % version)
    text += '#include "text/ptb_tables.h"\n\n'
    text += c_ranges("lx_ptb_letter", "uint16_t", ranges(letter))
    text += c_ranges("lx_ptb_digit", "uint16_t", ranges(digit))
    text += c_ranges("lx_ptb_upper", "uint16_t", ranges(upper))
    items = ["{0x%X, 0x%X}" % p for p in lower]
    text += "const uint32_t lx_java_lower[][2] = {\n"
    for i in range(0, len(items), 5):
        text += "    " + ", ".join(items[i:i + 5]) + ",\n"
    text += "};\nconst size_t lx_java_lower_n = %d;\n\n" % len(lower)
    text += c_ranges("lx_java_cased", "uint32_t", ranges(sets["cased"]))
    for k in BREAK_CLASSES:
        text += c_ranges("lx_java_break_" + k, "uint32_t", ranges(sets[k]))
    with open(args.out, "w") as f:
        f.write(text.rstrip("\n") + "\n")
    if shutil.which("clang-format"):  # the repository's style, which the format check enforces
        subprocess.run(["clang-format", "-i", args.out], check=True)
    print("gen_ptb_tables: %d letter, %d digit, %d upper ranges; %d lower-case mappings (Java %s)"
          % (len(ranges(letter)), len(ranges(digit)), len(ranges(upper)), len(lower), version))


if __name__ == "__main__":
    main()
