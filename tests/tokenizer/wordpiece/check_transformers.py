"""Checks expected.json against Hugging Face's slow BertTokenizer, the tokenizer it re-derives.

Not part of the test suite (it needs transformers): run once after make_cases.py, in a virtual
environment outside the repository holding the version LAVIS pins,

  python3 -m venv /tmp/hf && /tmp/hf/bin/pip install transformers==4.33.2
  /tmp/hf/bin/python tests/tokenizer/wordpiece/check_transformers.py

It builds the tokenizer as LAVIS's Blip2Base.init_tokenizer does (BertTokenizer.from_pretrained
on a directory holding vocab.txt without its last line "[DEC]", truncation_side="left", then
add_special_tokens({"bos_token": "[DEC]"}); from_pretrained, unlike the constructor, registers
every special token as one that the text is split on) and compares every text's tokenize ids and its encoding at each
max_length with the vectors.
"""
import json
import os
import sys
import tempfile

import transformers
from transformers import BertTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    with open(os.path.join(HERE, "vocab.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")[:-1]
    assert lines[-1] == "[DEC]"
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "vocab.txt"), "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines[:-1]))
        with open(os.path.join(tmp, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump({"do_lower_case": True}, f)
        tok = BertTokenizer.from_pretrained(tmp, truncation_side="left")
        tok.add_special_tokens({"bos_token": "[DEC]"})
    with open(os.path.join(HERE, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    bad = 0
    for case in expected["cases"]:
        got = tok.convert_tokens_to_ids(tok.tokenize(case["text"]))
        enc = tok(case["text"], truncation=True, max_length=128)["input_ids"]
        if got != case["tokenize"] or enc != case["encode_128"]:
            bad += 1
            print("differs: %r\n  transformers %s\n  vectors      %s" % (case["text"], got, case["tokenize"]))
    for case in expected["lengths"]:
        enc = tok(case["text"], truncation=True, max_length=case["max_length"])["input_ids"]
        if enc != case["ids"]:
            bad += 1
            print("differs at max_length %d: %r" % (case["max_length"], case["text"]))
    n = len(expected["cases"]) + len(expected["lengths"])
    print("transformers %s: %d of %d cases identical" % (transformers.__version__, n - bad, n))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
