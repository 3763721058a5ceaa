#!/bin/sh
# Installs the Debian 12 packages lynxeval needs. Run as root (or with sudo available). Safe to
# run again.
#   setup-debian.sh            everything: build, run, tests (clang and libFuzzer for the fuzz
#                              targets), the converter and the references
#   setup-debian.sh --runtime  only what building and running lynxeval needs (Open MPI for
#                              lynxeval-mpi included; no Check,
#                              clang-format, PyTorch or chromium)
set -eu
runtime="build-essential cmake ninja-build pkg-config
  libcjson-dev libopenblas-dev libpng-dev libjpeg62-turbo-dev libgif-dev libgsl-dev
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev libcurl4-openssl-dev
  openmpi-bin libopenmpi-dev"
tests_and_tools="check libsubunit-dev clang-format clang libclang-rt-14-dev python3 python3-torch
  python3-numpy python3-yaml chromium"
case "${1:-}" in
  --runtime) packages="$runtime" ;;
  "") packages="$runtime $tests_and_tools" ;;
  *)
    echo "usage: setup-debian.sh [--runtime]" >&2
    exit 2
    ;;
esac
if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "setup-debian.sh: run as root (apt-get needs it)" >&2
  exit 1
fi
# Skip apt entirely when everything is already there (fast reruns, offline machines).
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup-debian.sh: installing$missing"
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  # shellcheck disable=SC2086
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
else
  echo "setup-debian.sh: all packages present"
fi
