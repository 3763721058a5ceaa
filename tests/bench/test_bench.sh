#!/bin/sh
# lynxeval bench: a short kernel run (correctness checks pass, the JSON has what a comparison
# needs), bench compare on itself (all "same") and on a doctored copy (a slower kernel found), and
# bad flags and files refused with a message naming the problem.
# bench model runs on the small test checkpoint; bench data at its smallest scale.
# usage: test_bench.sh LYNXEVAL PYTHON MODELS_DIR
set -u
lynxeval=$1 python=$2 models=$3
. "$(dirname "$0")/../expect.sh"

expect "list" 0 "llm.decode.lm_head bf16" -- "$lynxeval" bench kernels --list
expect "a short run, every check passing" 0 "| rope.llm.prefill |" -- \
  "$lynxeval" bench kernels --filter '^(rope|rmsnorm|softmax)' --seconds 0.05 --threads 2 --json "$tmp/a.json"
"$python" - "$tmp/a.json" <<'PY' && pass "the JSON records run, ceilings and kernels" || fail "the JSON records run, ceilings and kernels"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["lynxeval_bench"] == "kernels" and r["mode"] == "hot"
for key in ("cpu", "threads", "kernels", "commit", "c_flags", "blas", "compiler", "date"):
    assert key in r["run"], key
assert r["ceilings"]["f32_gflops"] > 0 and r["ceilings"]["read_gbs"] > 0
names = [k["name"] for k in r["kernels"]]
assert names == ["rmsnorm.llm.prefill", "softmax.vit", "rope.llm.prefill"], names
for k in r["kernels"]:
    assert k["ok"] and k["error"] < k["tolerance"] and k["reps"] >= 5, k
    assert k["min_ms"] <= k["median_ms"] <= k["p99_ms"] and 0 < k["pct_of_ceiling"], k
PY
expect "compare a run with itself: all same" 0 "3 same, 0 faster in B, 0 slower in B" -- \
  "$lynxeval" bench compare "$tmp/a.json" "$tmp/a.json" --fail-on-slower
# known inputs for the noise rule: the measured report with small spreads (A), and a copy with
# one kernel 1.5x slower and another renamed (B)
"$python" - "$tmp/a.json" "$tmp/a2.json" "$tmp/b.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for k in r["kernels"]:
    k["spread"] = 0.01
json.dump(r, open(sys.argv[2], "w"))
k = r["kernels"][1]
k["median_ms"] *= 1.5
r["kernels"][0]["name"] = "renamed"
json.dump(r, open(sys.argv[3], "w"))
PY
expect "a kernel 1.5x slower is found (exit 3)" 3 "| softmax.vit |" -- \
  "$lynxeval" bench compare "$tmp/a2.json" "$tmp/b.json" --fail-on-slower
grep -q "softmax.vit.*B slower" "$tmp/out" && pass "its verdict is 'B slower'" || fail "its verdict is 'B slower': $(cat "$tmp/out")"
grep -q "only in A" "$tmp/out" && pass "a kernel missing from B is listed" || fail "a kernel missing from B is listed"
# a kernel streaming from memory is judged by time over its bandwidth window: B ran as fast in a
# window 1.5x wider (slower for its bandwidth), unless the windows themselves moved that much
"$python" - "$tmp/a2.json" "$tmp/s" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
k = r["kernels"][0]
k.update(bound="memory", bytes=1e8, ceiling_value=30.0, spread=0.01, ceiling_spread=0.0)
r["kernels"] = [k]
json.dump(r, open(sys.argv[2] + "-a.json", "w"))
k["ceiling_value"] = 45.0
json.dump(r, open(sys.argv[2] + "-b.json", "w"))
k["ceiling_spread"] = 0.3
json.dump(r, open(sys.argv[2] + "-b-moving.json", "w"))
r["kernels"][0]["ceiling_value"] = 30.0
json.dump(r, open(sys.argv[2] + "-a-moving.json", "w"))
PY
expect "a streaming kernel, same time in a wider window: slower" 3 "B slower" -- \
  "$lynxeval" bench compare "$tmp/s-a.json" "$tmp/s-b.json" --fail-on-slower
expect "the same, with windows that moved 30% in each run: same" 0 "1 same, 0 faster in B, 0 slower in B" -- \
  "$lynxeval" bench compare "$tmp/s-a-moving.json" "$tmp/s-b-moving.json" --fail-on-slower

expect "bad regex" 2 "--filter '(': " -- "$lynxeval" bench kernels --filter '('
expect "filter matching nothing" 2 "matches no kernel" -- "$lynxeval" bench kernels --filter 'no-such-kernel'
# built with the CUDA backend: no usable GPU here; built without it: no backend. Either way, said.
expect "--device cuda without a GPU" 1 "--device cuda: " -- "$lynxeval" bench kernels --device cuda
expect "unknown device" 2 "--device must be cpu or cuda" -- "$lynxeval" bench kernels --device tpu
expect "no subcommand" 2 "give a subcommand" -- "$lynxeval" bench
expect "one report only" 2 "give two reports" -- "$lynxeval" bench compare "$tmp/a.json"
expect "missing report" 1 "$tmp/nope.json" -- "$lynxeval" bench compare "$tmp/a.json" "$tmp/nope.json"
echo '{"kernels": []}' >"$tmp/other.json"
expect "not a kernel report" 1 "not a \`lynxeval bench kernels --json\` report" -- \
  "$lynxeval" bench compare "$tmp/a.json" "$tmp/other.json"
printf '{"lynxeval_bench": "kernels", "kernels": [{"name": "x", "median_ms": -1, "spread": 0, "ceiling_value": 1}]}' >"$tmp/neg.json"
expect "negative time" 1 "kernel 'x': \"median_ms\"" -- "$lynxeval" bench compare "$tmp/a.json" "$tmp/neg.json"
printf '{"lynxeval_bench": "kernels", "kernels": [' >"$tmp/cut.json"
expect "truncated JSON" 1 "cut.json" -- "$lynxeval" bench compare "$tmp/a.json" "$tmp/cut.json"

expect "bench model on the test checkpoint" 0 "| decode, batch 2 |" -- \
  "$lynxeval" bench model --model "$models/pt-bf16" --steps 2 --reps 1 --batches 1,2 --precision bf16 --json "$tmp/m.json"
"$python" - "$tmp/m.json" <<'PY' && pass "its JSON has the stage times and floors" || fail "its JSON has the stage times and floors"
import json, sys
r = json.load(open(sys.argv[1]))
for key in ("vit_ms_per_image", "vit_floor_ms_per_image", "prefill_tokens_per_s", "decode_ms_per_token",
            "decode_floor_ms_per_token", "peak_rss_bytes", "time_to_first_token_ms"):
    assert r[key] > 0, key
assert r["precision"] == "bf16" and [d["batch"] for d in r["decode"]] == [1, 2]
assert r["vit_floor_ms_per_image"] < r["vit_ms_per_image"]
PY
expect "bench model on the CA checkpoint" 0 "(cross_attention)" -- \
  "$lynxeval" bench model --model "$models/ca" --steps 1 --reps 1 --batches 1
expect "model and shape" 2 "exactly one of --model" -- "$lynxeval" bench model --model "$models/pt" --shape lynx-8b
expect "unknown shape" 2 "the known shapes are:" -- "$lynxeval" bench model --shape lynx-70b
expect "bad batch" 2 "--batches" -- "$lynxeval" bench model --shape lynx-8b --batches 1,0
expect "bad precision" 2 "--precision must be" -- "$lynxeval" bench model --shape lynx-8b --precision f8
expect "bad stage" 2 "is not encode, prefill or decode" -- "$lynxeval" bench model --shape lynx-8b --stages vit
expect "decode only" 0 "| decode, batch 1 |" -- "$lynxeval" bench model --model "$models/pt" --stages decode --steps 1 --batches 1
expect "missing model" 1 "$tmp/none" -- "$lynxeval" bench model --model "$tmp/none"

# --profile: every part of a decode step, summing to the profiled step, per layer
expect "bench model --profile" 0 "decode profile, batch 2" -- \
  "$lynxeval" bench model --model "$models/pt" --stages decode --steps 3 --batches 1,2 --profile --json "$tmp/p.json"
grep -q "| linear llm.layers.attn.q+k+v |" "$tmp/out" && grep -q "| \*\*sum\*\* |" "$tmp/out" &&
  grep -q "LLM layers:" "$tmp/out" && pass "the profile table names parts, the sum and the layers" ||
  fail "the profile table names parts, the sum and the layers: $(cat "$tmp/out")"
"$python" - "$tmp/p.json" <<'PY' && pass "profile JSON: parts + sampling + between = the profiled step; layers; hand-offs" || fail "profile JSON: parts + sampling + between = the profiled step; layers; hand-offs"
import json, sys
r = json.load(open(sys.argv[1]))
profs = r["decode_profile"]
assert [p["batch"] for p in profs] == [1, 2], profs
for p in profs:
    parts = {q["part"]: q for q in p["parts"]}
    for name in ("linear llm.layers.attn.q+k+v", "linear llm.layers.attn.o", "linear llm.layers.mlp.gate+up",
                 "linear llm.layers.mlp.down", "linear llm.lm_head", "rmsnorm", "rope", "silu_mul",
                 "add (residual)", "attention (scores, softmax, values)"):
        assert name in parts and parts[name]["ms_per_step"] > 0, (name, sorted(parts))
    assert parts["linear llm.lm_head"]["calls_per_step"] == 1
    kernels = sum(q["ms_per_step"] for q in p["parts"])
    assert abs(kernels - p["kernels_ms_per_step"]) < 1e-6 * max(1, kernels)
    total = kernels + p["sampling_ms_per_step"] + p["between_kernels_ms_per_step"]
    assert abs(total - p["profiled_ms_per_step"]) < 1e-6 * total, (total, p)
    assert p["sampling_ms_per_step"] > 0 and p["between_kernels_ms_per_step"] >= 0
    assert 0 <= p["handoff_ms_per_step"] <= kernels
    layers = p["layer_ms_per_step"]
    assert len(layers) == 4 and all(x > 0 for x in layers), layers  # the test checkpoint: 4 layers
    assert sum(layers) + p["head_ms_per_step"] <= kernels * (1 + 1e-9)
    assert p["unprofiled_median_ms_per_step"] > 0 and p["parts_pct_of_unprofiled_step"] > 0
products = r["run"]["products"]
for prec in ("f32", "bf16"):
    assert set(products[prec]) == {"decode", "prompt"}, products
PY

# the product paths: forced, cached per processor and build, measured when the cache is missing
cache="$tmp/cache"
expect "first use measures the paths" 0 "| decode, batch 1 |" -- \
  env LYNXEVAL_CACHE_DIR=$cache "$lynxeval" bench model --model "$models/pt" --stages decode --steps 1 --batches 1 --json "$tmp/c1.json"
expect "the second use reads them" 0 "| decode, batch 1 |" -- \
  env LYNXEVAL_CACHE_DIR=$cache "$lynxeval" bench model --model "$models/pt" --stages decode --steps 1 --batches 1 --json "$tmp/c2.json"
expect "a forced path" 0 "products: decode" -- \
  env LYNXEVAL_KERNELS=f32.prompt=blas "$lynxeval" bench model --model "$models/pt" --stages decode --steps 1 --batches 1 --json "$tmp/c3.json"
"$python" - "$tmp/c1.json" "$tmp/c2.json" "$tmp/c3.json" "$cache/kernels.tsv" <<'PY' && pass "measured, then cached (one line per processor and build), forced: recorded" || fail "measured, then cached (one line per processor and build), forced: recorded"
import json, sys
a, b, c = (json.load(open(f))["run"]["products"] for f in sys.argv[1:4])
lines = open(sys.argv[4]).read().splitlines()
if a["source"] == "fixed":  # a processor without a choice to make (no AVX-512): nothing cached
    assert b["source"] == "fixed"
else:
    assert a["source"] == "measured" and b["source"] == "cached", (a, b)
    assert "seconds_per_call" in a and "seconds_per_call" not in b
    assert len(lines) == 1 and lines[0].count("\t") == 3, lines
    for prec in ("f32", "bf16"):
        assert a[prec] == b[prec], (a, b)
assert c["source"] == "forced" and c["f32"]["prompt"] == "blas", c
PY
printf 'garbage line\n' >"$cache/kernels.tsv"
expect "a cache with nothing for this processor is measured again" 0 "| decode, batch 1 |" -- \
  env LYNXEVAL_CACHE_DIR=$cache "$lynxeval" bench model --model "$models/pt" --stages decode --steps 1 --batches 1
grep -q "garbage line" "$cache/kernels.tsv" && [ "$(wc -l <"$cache/kernels.tsv")" -eq 2 ] &&
  pass "the new line is added, the other kept" || fail "the new line is added, the other kept: $(cat "$cache/kernels.tsv")"
expect "unknown path" 2 'LYNXEVAL_KERNELS=f32.prompt=fastest: at "f32.prompt=fastest": path must be' -- \
  env LYNXEVAL_KERNELS=f32.prompt=fastest "$lynxeval" bench model --model "$models/pt" --stages decode --steps 1 --batches 1
expect "a path the precision cannot take" 2 "cannot take that path" -- \
  env LYNXEVAL_KERNELS=f32.decode=bf16-dot "$lynxeval" bench model --model "$models/pt" --stages decode --steps 1 --batches 1
expect "no class" 2 "expected PRECISION.CLASS=PATH" -- \
  env LYNXEVAL_KERNELS=f32 "$lynxeval" bench model --model "$models/pt" --stages decode --steps 1 --batches 1

# bench data at its smallest scale: every set and phase, the files gone afterwards
expect "bench data at scale 1" 0 "resume scan of predictions.jsonl" -- \
  "$lynxeval" bench data --dir "$tmp/data" --scales 1 --json "$tmp/d.json"
"$python" - "$tmp/d.json" "$tmp/data" <<'PY' && pass "its JSON has each set's phases; no file left" || fail "its JSON has each set's phases; no file left"
import json, os, sys
r = json.load(open(sys.argv[1]))
sets = {s["set"]: s for s in r["sets"]}
assert sorted(sets) == ["caption", "resume", "vqa"], sorted(sets)
assert sets["caption"]["entries"] == 2532 and sets["vqa"]["sub_entries"] == 133970
for s in r["sets"]:
    for ph in s["phases"]:
        assert ph["seconds"] >= 0 and ph["peak_rss_bytes"] > 0, ph
assert len(sets["vqa"]["phases"]) == 4 and "run" in r
assert os.listdir(sys.argv[2]) == [], os.listdir(sys.argv[2])
PY
expect "bench data: bad scales" 2 "--scales" -- "$lynxeval" bench data --dir "$tmp/data" --scales 0
expect "bench data: no dir" 2 "--dir is required" -- "$lynxeval" bench data

echo "$failures failures"
[ "$failures" -eq 0 ]
