#!/bin/sh
# The lynxeval command line: `logits` and `tokenize` against the golden files, `tokenize --captions`,
# and every kind of bad input
# refused with a clear message and the right exit status, never a crash or a clobbered output.
# usage: test_cli.sh LYNXEVAL PYTHON GOLDEN_DIR MODELS_DIR
set -u
lynxeval=$1 python=$2 golden=$3 models=$4
. "$(dirname "$0")/../expect.sh"

# compare NAME OUT GOLDEN: relative L2 error <= 1e-5.
compare() {
  if "$python" - "$2" "$3" <<'PY'
import sys
import numpy as np
a = np.fromfile(sys.argv[1], "<f4")
r = np.fromfile(sys.argv[2], "<f4")
e = float(np.linalg.norm(a - r) / np.linalg.norm(r)) if a.shape == r.shape else float("inf")
print(f"    relative error {e:.3g}")
sys.exit(0 if e <= 1e-5 else 1)
PY
  then pass "$1"; else fail "$1"; fi
}

A=1,263,310,296,266,13,300,301,283,63,77,13,302,300
pt=$models/pt

expect "image + text" 0 "321 values" -- "$lynxeval" logits --model "$pt" --tokens $A --pixels "$golden/pixels_image.f32" --out "$tmp/img.f32"
compare "image + text matches the reference" "$tmp/img.f32" "$golden/logits_image_text.f32"
expect "video + text" 0 "" -- "$lynxeval" logits --model "$pt" --tokens $A --pixels "$golden/pixels_video.f32" --frames 5 --out "$tmp/vid.f32"
compare "video + text matches the reference" "$tmp/vid.f32" "$golden/logits_video_text.f32"
expect "text only" 0 "" -- "$lynxeval" logits --model "$pt" --tokens=$A --out "$tmp/txt.f32" --threads 1
compare "text only matches the reference" "$tmp/txt.f32" "$golden/logits_text.f32"
expect "cross-attention model" 0 "" -- "$lynxeval" logits --model "$models/ca" --tokens $A --pixels "$golden/pixels_image.f32" --out "$tmp/ca.f32"
compare "cross-attention model matches the reference" "$tmp/ca.f32" "$golden/logits_ca_image_text.f32"

expect "help" 0 "--tokens" -- "$lynxeval" logits --help
expect "top-level help" 0 "logits" -- "$lynxeval" --help
expect "help command" 0 "--model" -- "$lynxeval" help info
expect "no command" 2 "usage" -- "$lynxeval"
expect "unknown command" 2 "unknown command 'lgits'" -- "$lynxeval" lgits
expect "unknown option" 2 "unknown option '--token'" -- "$lynxeval" logits --model "$pt" --token 1 --out "$tmp/x"
expect "missing --out" 2 "--model and --out are required" -- "$lynxeval" logits --model "$pt" --tokens 1
expect "missing value" 2 "needs a value" -- "$lynxeval" logits --model "$pt" --tokens
expect "both --tokens and --prompt" 2 "exactly one of" -- "$lynxeval" logits --model "$pt" --tokens 1 --prompt hi --out "$tmp/x"
expect "logits from a question" 0 "321 values" -- "$lynxeval" logits --model "$pt" --prompt "What is in the image?" --pixels "$golden/pixels_image.f32" --out "$tmp/q.f32"
# The question path and the id path agree: same ids, same logits.
ids=$("$lynxeval" tokenize --model "$pt" --prompt "What is in the image?")
"$lynxeval" logits --model "$pt" --tokens "$ids" --pixels "$golden/pixels_image.f32" --out "$tmp/qi.f32" 2>/dev/null
if cmp -s "$tmp/q.f32" "$tmp/qi.f32"; then pass "--prompt equals --tokens of tokenize --prompt"; else fail "--prompt and --tokens disagree"; fi
expect "tokenize a prompt" 0 "" -- "$lynxeval" tokenize --model "$pt" --prompt "What is in the image?" --pieces
if grep -q "^1,.*,13," "$tmp/out"; then pass "prompt starts with <s> and holds the newline byte"; else fail "unexpected prompt ids: $(cat "$tmp/out")"; fi
expect "tokenize text" 0 "" -- "$lynxeval" tokenize --model "$pt" --text "hello <s> world"
if grep -q ",1," "$tmp/out"; then pass "a literal <s> in text is the special token"; else fail "<s> not split out: $(cat "$tmp/out")"; fi
expect "empty question" 1 "question is empty" -- "$lynxeval" tokenize --model "$pt" --prompt "   "
expect "question not UTF-8" 1 "not valid UTF-8" -- "$lynxeval" logits --model "$pt" --prompt "$(printf 'bad \377')" --out "$tmp/x"
expect "tokenize needs one input" 2 "exactly one of --text and --prompt" -- "$lynxeval" tokenize --model "$pt"
long=$(head -c 70000 /dev/zero | tr '\0' 'a')
expect "over-long question" 1 "more than the 65536 allowed" -- "$lynxeval" tokenize --model "$pt" --prompt "$long"
expect "token not a number" 2 "item 2 ('abc')" -- "$lynxeval" logits --model "$pt" --tokens 1,abc --out "$tmp/x"
expect "empty token item" 2 "item 2 ('')" -- "$lynxeval" logits --model "$pt" --tokens 1,,2 --out "$tmp/x"
expect "token out of range" 2 "not a token id in [0, 320]" -- "$lynxeval" logits --model "$pt" --tokens 1,321 --out "$tmp/x"
expect "bad --threads" 2 "--threads" -- "$lynxeval" logits --model "$pt" --tokens 1 --threads -3 --out "$tmp/x"
expect "missing model" 1 "/nonexistent/config.json: cannot open" -- "$lynxeval" logits --model /nonexistent --tokens 1 --out "$tmp/x"
# a folder of checkpoints where one checkpoint was meant: the model directories inside are named
mkdir -p "$tmp/checkpoints/notes"
ln -s "$(cd "$pt" && pwd)" "$tmp/checkpoints/pt"
ln -s "$(cd "$models/ca" && pwd)" "$tmp/checkpoints/ca"
expect "a folder of model directories" 1 "$tmp/checkpoints is a folder of model directories, not a model (it has no config.json); name one of them: $tmp/checkpoints/ca, $tmp/checkpoints/pt" -- \
  "$lynxeval" info --model "$tmp/checkpoints"
cp -r "$pt" "$tmp/badtok"
printf 'this is not a protobuf \377\377\377' >"$tmp/badtok/tokenizer.model"
expect "garbage tokenizer.model" 1 "tokenizer.model: not a SentencePiece model" -- "$lynxeval" tokenize --model "$tmp/badtok" --text hello
cp -r "$pt" "$tmp/badpad"
"$python" -c "import json,sys; p=sys.argv[1]; c=json.load(open(p)); c['llm']['pad_token_id']=5; json.dump(c, open(p,'w'))" "$tmp/badpad/config.json"
expect "a pad id that is a real piece blames config.json" 1 "badpad/config.json: llm.vocab_size is 321, but" -- \
  "$lynxeval" tokenize --model "$tmp/badpad" --text hello

head -c 1000 "$golden/pixels_image.f32" >"$tmp/short.f32"
expect "pixels of the wrong size" 1 "not a whole number of [3,70,70] frames" -- "$lynxeval" logits --model "$pt" --tokens 1 --pixels "$tmp/short.f32" --out "$tmp/x"
cat "$golden/pixels_image.f32" "$golden/pixels_image.f32" >"$tmp/two.f32"
expect "two frames" 1 "holds 2 frames; the model takes 1 (an image) or 5" -- "$lynxeval" logits --model "$pt" --tokens 1 --pixels "$tmp/two.f32" --out "$tmp/x"
expect "--frames disagrees" 1 "holds 1 frames but --frames says 5" -- "$lynxeval" logits --model "$pt" --tokens 1 --pixels "$golden/pixels_image.f32" --frames 5 --out "$tmp/x"
"$python" -c "import numpy as np; a=np.fromfile('$golden/pixels_image.f32','<f4'); a[100]=np.nan; a.tofile('$tmp/nan.f32')"
expect "NaN pixel" 1 "value 100 is not a finite number" -- "$lynxeval" logits --model "$pt" --tokens 1 --pixels "$tmp/nan.f32" --out "$tmp/x"
expect "missing pixels file" 1 "cannot open" -- "$lynxeval" logits --model "$pt" --tokens 1 --pixels "$tmp/none.f32" --out "$tmp/x"

# Images: preprocess gives torchvision's exact tensor (its digest is in tests/image/expected.json),
# and logits --image equals logits --pixels of that tensor.
images=$(dirname "$golden")/../image
expect "preprocess an image" 0 "[1,3,70,70]" -- "$lynxeval" preprocess --model "$pt" --image "$images/inputs/chelsea.png" --out "$tmp/chelsea.f32"
want=$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['images']['chelsea.png']['sizes']['70']['tensor_sha256'])" "$images/expected.json")
if [ "$(sha256sum "$tmp/chelsea.f32" | cut -d' ' -f1)" = "$want" ]; then pass "preprocess equals torchvision's tensor"; else fail "preprocess differs from torchvision"; fi
"$lynxeval" logits --model "$pt" --tokens 1,5,6 --image "$images/inputs/chelsea.png" --out "$tmp/li.f32" 2>/dev/null
"$lynxeval" logits --model "$pt" --tokens 1,5,6 --pixels "$tmp/chelsea.f32" --out "$tmp/lp.f32" 2>/dev/null
if cmp -s "$tmp/li.f32" "$tmp/lp.f32"; then pass "logits --image equals --pixels of preprocess"; else fail "--image and --pixels disagree"; fi
expect "truncated image" 1 "broken JPEG: unexpected end of file" -- "$lynxeval" logits --model "$pt" --tokens 1 --image "$images/inputs/broken-truncated.jpg" --out "$tmp/x"
expect "not an image" 1 "not a PNG, JPEG or GIF image" -- "$lynxeval" preprocess --model "$pt" --image "$images/inputs/broken-not-an-image.jpg" --out "$tmp/x"
expect "unsupported image" 1 "BMP images are not supported" -- "$lynxeval" preprocess --model "$pt" --image "$images/inputs/unsupported.bmp" --out "$tmp/x"
expect "--image and --pixels" 2 "at most one of" -- "$lynxeval" logits --model "$pt" --tokens 1 --image "$images/inputs/chelsea.png" --pixels "$tmp/chelsea.f32" --out "$tmp/x"

# Videos: preprocess gives the reference transform's tensor of the chosen frames.
videos=$(dirname "$golden")/../video
expect "preprocess a video" 0 "frames 0 5 10 15 19 of 23, segment-start" -- "$lynxeval" preprocess --model "$pt" --video "$videos/inputs/h264-96x64-23f.mp4" --out "$tmp/v.f32"
want=$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['sources']['h264-96x64-23f.mp4']['segment-start']['tensor_sha256'])" "$videos/expected.json")
if [ "$(sha256sum "$tmp/v.f32" | cut -d' ' -f1)" = "$want" ]; then pass "video tensor equals the reference's"; else fail "video tensor differs"; fi
expect "segment-middle" 0 "frames 2 7 12 17 21 of 23, segment-middle" -- "$lynxeval" preprocess --model "$pt" --video "$videos/inputs/h264-96x64-23f.mp4" --frame-rule segment-middle --out "$tmp/v.f32"
expect "reference-random" 0 "reference-random" -- "$lynxeval" preprocess --model "$pt" --video "$videos/inputs/frames.json" --frame-rule reference-random --seed 7 --out "$tmp/v.f32"
expect "logits from a video" 0 "321 values" -- "$lynxeval" logits --model "$pt" --prompt "what happens?" --video "$videos/inputs/frames-dir" --out "$tmp/v.f32"
expect "unknown frame rule" 1 "is not segment-start" -- "$lynxeval" preprocess --model "$pt" --video "$videos/inputs/frames.json" --frame-rule uniform --out "$tmp/x"
expect "no video stream" 1 "no video stream" -- "$lynxeval" logits --model "$pt" --tokens 1 --video "$videos/inputs/broken-audio-only.m4a" --out "$tmp/x"
expect "not a video" 1 "not a video file" -- "$lynxeval" preprocess --model "$pt" --video "$videos/inputs/broken-text.mp4" --out "$tmp/x"
expect "empty frame list" 1 "the frame list is empty" -- "$lynxeval" preprocess --model "$pt" --video "$videos/inputs/broken-empty.json" --out "$tmp/x"

# generate: the reference's beam-search answer for a real image and question (the golden case
# cli_beam_chelsea), and the prompt ids it starts from.
root=$(dirname "$golden")/../..
field() { "$python" -c "import json,sys; m=json.load(open(sys.argv[1])); print($1)" "$golden/manifest.json"; }
want_ids=$(field "','.join(map(str, m['cli']['prompt_ids']))")
q=$(field "m['cli']['question']")
got_ids=$("$lynxeval" tokenize --model "$pt" --prompt "$q")
if [ "$got_ids" = "$want_ids" ]; then pass "prompt ids equal the reference tokenizer's"; else fail "prompt ids $got_ids, reference $want_ids"; fi
want_tokens=$(field "[c for c in m['generation'] if c['name'] == 'cli_beam_chelsea'][0]['expected'][0]['tokens']" | tr -d ' ')
expect "generate --decode beam --beams 5" 0 "" -- "$lynxeval" generate --model "$pt" --image "$root/$(field "m['cli']['image']")" --prompt "$q" --decode beam --beams 5 --json
got_tokens=$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['tokens'])" "$tmp/out" | tr -d ' ')
if [ "$got_tokens" = "$want_tokens" ]; then pass "beam answer equals the reference's ($got_tokens)"; else fail "beam answer $got_tokens, reference $want_tokens"; fi
expect "generate from a video" 0 "" -- "$lynxeval" generate --model "$pt" --video "$videos/inputs/h264-96x64-23f.mp4" --prompt "what happens?" --json
if grep -q '"frames": \[0,5,10,15,19\]' "$tmp/out"; then pass "generate reports the video frames"; else fail "no frames in $(cat "$tmp/out")"; fi
"$lynxeval" generate --model "$pt" --image "$images/inputs/chelsea.png" --prompt "hi" --seed 5 >"$tmp/s1" 2>&1
"$lynxeval" generate --model "$pt" --image "$images/inputs/chelsea.png" --prompt "hi" --seed 5 >"$tmp/s2" 2>&1
if cmp -s "$tmp/s1" "$tmp/s2"; then pass "beam sampling is repeatable with --seed"; else fail "same seed, different answers"; fi
expect "text-only greedy" 0 "" -- "$lynxeval" generate --model "$pt" --prompt "hello" --decode greedy --max-new-tokens 3
expect "unknown strategy" 2 "is not greedy, beam, beam-sample or sample" -- "$lynxeval" generate --model "$pt" --prompt "hi" --decode nucleus
expect "bad beams" 2 "--beams" -- "$lynxeval" generate --model "$pt" --prompt "hi" --beams 0
expect "bad top-p" 2 "--top-p" -- "$lynxeval" generate --model "$pt" --prompt "hi" --top-p 2
expect "generate: empty question" 1 "question is empty" -- "$lynxeval" generate --model "$pt" --prompt " "
expect "generate: broken image" 1 "broken PNG" -- "$lynxeval" generate --model "$pt" --image "$images/inputs/broken-truncated.png" --prompt "hi"
expect "generate: not a video" 1 "not a video file" -- "$lynxeval" generate --model "$pt" --video "$videos/inputs/broken-text.mp4" --prompt "hi"
expect "generate: missing question" 2 "--prompt are required" -- "$lynxeval" generate --model "$pt"

# A failed call leaves an existing output untouched.
printf 'good' >"$tmp/keep.f32"
"$lynxeval" logits --model "$pt" --tokens 1 --pixels "$tmp/short.f32" --out "$tmp/keep.f32" 2>/dev/null
if [ "$(cat "$tmp/keep.f32")" = good ]; then pass "failed call keeps the old output"; else fail "failed call clobbered the output"; fi

# Broken model directories.
mkdir -p "$tmp/trunc" "$tmp/badcfg"
cp "$pt/config.json" "$pt/tokenizer.model" "$tmp/trunc/"
head -c 5000000 "$pt/model.safetensors" >"$tmp/trunc/model.safetensors"
expect "truncated weights" 1 "model.safetensors: tensor" -- "$lynxeval" logits --model "$tmp/trunc" --tokens 1 --out "$tmp/x"
cp "$pt/model.safetensors" "$pt/tokenizer.model" "$tmp/badcfg/"
printf '{"format": "lynxeval-model", ' >"$tmp/badcfg/config.json"
expect "broken config.json" 1 "config.json: not a valid JSON object" -- "$lynxeval" logits --model "$tmp/badcfg" --tokens 1 --out "$tmp/x"

expect "info" 0 "variant:    prefix" -- "$lynxeval" info --model "$pt"
expect "info on bf16" 0 "BF16 3093810" -- "$lynxeval" info --model "$models/pt-bf16"

# tokenize --captions: captions as the caption metrics see them, and its refusals
printf 'A dog (brown), on St. Louis st.\nThe U.S. flag\n' >"$tmp/caps.txt"
expect "tokenize captions, one per line" 0 "a dog -lrb- brown -rrb- on st. louis st." -- \
  "$lynxeval" tokenize --captions "$tmp/caps.txt"
expect "tokenize captions, every token kept" 0 "a dog -lrb- brown -rrb- , on st. louis st." -- \
  "$lynxeval" tokenize --captions "$tmp/caps.txt" --keep-punctuation
printf '["It\u2019s a dog\u2019s life.", "x"]' >"$tmp/caps.json"
expect "tokenize captions from a JSON list" 0 '["it '"'"'s a dog '"'"'s life","x"]' -- \
  "$lynxeval" tokenize --captions "$tmp/caps.json"
expect "tokenize captions: the approximation" 0 "a dog brown on st louis st" -- \
  "$lynxeval" tokenize --captions "$tmp/caps.txt" --caption-tokenizer ptb-approx-1
expect "tokenize captions: rule counts" 0 "rule 81" -- "$lynxeval" tokenize --captions "$tmp/caps.txt" --rule-counts
expect "tokenize captions: unknown tokenizer" 2 "ptb-3.4.1, ptb-approx-1 or none" -- \
  "$lynxeval" tokenize --captions "$tmp/caps.txt" --caption-tokenizer ptb
expect "tokenize captions: punctuation with the approximation" 2 "ptb-3.4.1 only" -- \
  "$lynxeval" tokenize --captions "$tmp/caps.txt" --caption-tokenizer none --keep-punctuation
expect "tokenize captions and a model" 2 "takes no --model" -- \
  "$lynxeval" tokenize --captions "$tmp/caps.txt" --model "$pt"
printf '{"a": 1}' >"$tmp/notlist.json"
expect "tokenize captions: not a list" 1 "notlist.json: must be a JSON list of strings" -- \
  "$lynxeval" tokenize --captions "$tmp/notlist.json"
printf '["a", 3]' >"$tmp/num.json"
expect "tokenize captions: not a string" 1 "num.json: item 1 is not a string" -- \
  "$lynxeval" tokenize --captions "$tmp/num.json"
printf 'caf\351\n' >"$tmp/latin1.txt"
expect "tokenize captions: not UTF-8" 1 "latin1.txt: not valid UTF-8" -- \
  "$lynxeval" tokenize --captions "$tmp/latin1.txt"
expect "tokenize captions: missing file" 1 "$tmp/none.txt" -- "$lynxeval" tokenize --captions "$tmp/none.txt"

# Files that are not regular files. Inputs: a FIFO with no writer is refused at once (timeout
# catches a hang). Outputs: a FIFO and standard output ("-") are written through, a symbolic link
# is followed and stays a link, a directory is refused.
mkfifo "$tmp/in.fifo" "$tmp/out.fifo"
expect "a FIFO as --image" 1 "in.fifo: not a regular file (a FIFO)" -- \
  timeout 20 "$lynxeval" preprocess --model "$pt" --image "$tmp/in.fifo" --out "$tmp/x"
expect "a FIFO as --video" 1 "in.fifo: neither a video file nor a directory of frames" -- \
  timeout 20 "$lynxeval" preprocess --model "$pt" --video "$tmp/in.fifo" --out "$tmp/x"
expect "a FIFO as --pixels" 1 "a FIFO" -- \
  timeout 20 "$lynxeval" logits --model "$pt" --tokens 1 --pixels "$tmp/in.fifo" --out "$tmp/x"
timeout 20 cat "$tmp/out.fifo" >"$tmp/from-fifo.f32" &
reader=$!
expect "--out a FIFO" 0 "" -- timeout 20 "$lynxeval" preprocess --model "$pt" --image "$images/inputs/chelsea.png" --out "$tmp/out.fifo"
wait $reader
if [ -p "$tmp/out.fifo" ] && cmp -s "$tmp/from-fifo.f32" "$tmp/chelsea.f32"; then
  pass "a FIFO output is written through and stays a FIFO"
else
  fail "a FIFO output was replaced or its bytes differ"
fi
"$lynxeval" preprocess --model "$pt" --image "$images/inputs/chelsea.png" --out - >"$tmp/stdout.f32" 2>/dev/null
if cmp -s "$tmp/stdout.f32" "$tmp/chelsea.f32"; then pass "--out - writes to standard output"; else fail "--out - differs"; fi
printf 'old' >"$tmp/target.f32"
ln -s target.f32 "$tmp/link.f32"
expect "--out a symbolic link" 0 "" -- "$lynxeval" preprocess --model "$pt" --image "$images/inputs/chelsea.png" --out "$tmp/link.f32"
if [ -L "$tmp/link.f32" ] && cmp -s "$tmp/target.f32" "$tmp/chelsea.f32"; then
  pass "a symbolic link output is followed and stays a link"
else
  fail "a symbolic link output was replaced or its file not written"
fi
expect "--out a directory" 1 "cannot write over a directory" -- \
  "$lynxeval" preprocess --model "$pt" --image "$images/inputs/chelsea.png" --out "$tmp"

# media limits: a 29-byte GIF declaring 13000 x 13000 pixels is refused from its header, naming
# the flag; the flag moves the limit (chelsea.png is 451 x 300 = 135,300 pixels)
printf 'GIF89a\310\062\310\062\000\000\000,\000\000\000\000\001\000\001\000\000\002\002D\001\000;' >"$tmp/bomb.gif"
expect "a GIF bomb is refused at once" 1 "169000000 pixels, more than the 89478485 allowed (--max-pixels raises the limit)" -- \
  timeout 20 "$lynxeval" preprocess --model "$pt" --image "$tmp/bomb.gif" --out "$tmp/x"
expect "--max-pixels lowers the limit" 1 "more than the 135299 allowed" -- \
  "$lynxeval" preprocess --model "$pt" --image "$images/inputs/chelsea.png" --max-pixels 135299 --out "$tmp/x"
expect "--max-pixels at the image's size" 0 "" -- \
  "$lynxeval" preprocess --model "$pt" --image "$images/inputs/chelsea.png" --max-pixels 135300 --out "$tmp/x"
expect "--max-media-bytes names the file" 1 "chelsea.png: " -- \
  "$lynxeval" preprocess --model "$pt" --image "$images/inputs/chelsea.png" --max-media-bytes 1000 --out "$tmp/x"
expect "--max-pixels out of range" 2 "--max-pixels" -- \
  "$lynxeval" preprocess --model "$pt" --image "$images/inputs/chelsea.png" --max-pixels 0 --out "$tmp/x"

# the default thread count follows the process's CPU affinity (mpirun and srun bind each rank to a
# few cores): one thread when bound to one core, recorded with the machine's usable cores
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
  rm -rf "$tmp/aff"
  taskset -c 0 "$lynxeval" run open-vqa-image:world-open-vqa-image --model "$root/checkpoints/lynx-world-pt" \
    --data "$root/datasets/world/test" --limit 1 --out "$tmp/aff" >/dev/null 2>&1
  got=$("$python" -c "import json,sys; f=json.load(open(sys.argv[1] + '/open-vqa-image/fingerprint.json')); \
m=json.load(open(sys.argv[1] + '/manifest.json')); print(f['numerics']['threads'], \
[s['machine']['cores_usable'] for s in m['sessions']][-1])" "$tmp/aff" 2>&1)
  if [ "$got" = "1 1" ]; then pass "bound to one core: one thread, one usable core recorded"; else fail "taskset -c 0: threads and usable cores $got"; fi
else
  echo "skip the CPU-affinity check: taskset cannot bind here"
fi

# a dataset no one named must be the task's registered one: another dataset's files (the world's
# Open-VQA questions under the real Open-VQA entry) are refused, naming the entry they are and the
# flag; named, they run with a warning
rm -rf "$tmp/mis"
expect "another dataset's files under a task's default entry are refused, naming the entry and the flag" 1 \
  "These files are the registered dataset world-open-vqa-image: run with --dataset world-open-vqa-image" -- \
  "$lynxeval" run open-vqa-image --model "$root/checkpoints/lynx-world-pt" --data "$root/datasets/world/test" \
  --limit 1 --out "$tmp/mis"
if [ -e "$tmp/mis" ]; then fail "... and nothing is written"; else pass "... and nothing is written"; fi
expect "... named, the same files run, with a warning" 0 "is not the published open-vqa-image" -- \
  "$lynxeval" run open-vqa-image --dataset open-vqa-image --model "$root/checkpoints/lynx-world-pt" \
  --data "$root/datasets/world/test" --limit 1 --out "$tmp/mis"

# conventions: --version names the commit, a typo is answered with the nearest name, the help
# lists the environment, a gate's exit status is its own (compare: tests/reports)
expect "--version names the commit" 0 "(commit " -- "$lynxeval" --version
expect "a typo'd option suggests the nearest" 2 "did you mean --limit?" -- "$lynxeval" run --limt 3
expect "a typo'd command suggests the nearest" 2 "did you mean run?" -- "$lynxeval" runn
expect "a far-off option suggests nothing" 2 "unknown option '--zzzzzz' (see" -- "$lynxeval" run --zzzzzz
expect "help lists every environment variable" 0 "LYNXEVAL_HOME" -- "$lynxeval" help
for var in LYNXEVAL_THREADS LYNXEVAL_CPU TMPDIR LYNXEVAL_TEST_FAULT; do
  "$lynxeval" help | grep -q "$var" && pass "help names $var" || fail "help names $var"
done

if [ "$failures" -ne 0 ]; then
  echo "$failures command-line checks failed"
  exit 1
fi
echo "all command-line checks passed"
