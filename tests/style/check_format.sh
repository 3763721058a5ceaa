#!/bin/sh
# The format check: every C, header and CUDA source of the repository is as the root .clang-format
# writes it. Fix with: clang-format -i FILE (or for all: the find below with -i).
# usage: check_format.sh REPO
set -u
repo=$1
if ! command -v clang-format >/dev/null 2>&1; then
  echo "FAIL clang-format is not installed (tools/setup-debian.sh installs it)"
  exit 1
fi
cd "$repo" || exit 1
files=$(find common media text model scorers tasks runs reports bench cli tests/unit tests/fuzz \
  -name '*.c' -o -name '*.h' -o -name '*.cu' | sort)
bad=$(for f in $files; do clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
if [ -n "$bad" ]; then
  echo "FAIL not formatted (clang-format -i FILE):"
  echo "$bad"
  exit 1
fi
echo "ok   $(echo "$files" | wc -l) files formatted"
