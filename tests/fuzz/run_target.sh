#!/bin/sh
# Runs one fuzz target for SECONDS over its seed corpus, adding what it finds new to WORK (the
# seeds stay as committed). Exit 0 when nothing was found; otherwise libFuzzer's exit status,
# with the crashing input in WORK/ and its path on the last lines of the output.
# usage: run_target.sh TARGET SEEDS WORK SECONDS [more libFuzzer flags]
set -eu
target=$1 seeds=$2 work=$3 seconds=$4
shift 4
mkdir -p "$work/corpus"
# -rss_limit_mb: a target that grows past 2 GB is a finding; -timeout: so is one input past 10 s
exec "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$@" "$work/corpus" "$seeds"
