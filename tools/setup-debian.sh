#!/bin/sh
# Installs every Debian 12 package lynxeval builds, tests and converts with. Run as root (or with
# sudo available). Safe to run again.
set -eu
packages="build-essential cmake ninja-build pkg-config
  libcjson-dev libopenblas-dev check libsubunit-dev clang-format
  libpng-dev libjpeg62-turbo-dev libgif-dev libgsl-dev
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev libcurl4-openssl-dev
  python3 python3-torch python3-numpy python3-yaml
  chromium"
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
