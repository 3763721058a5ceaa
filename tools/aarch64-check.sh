#!/bin/sh
# The portable build on 64-bit ARM (Graviton, Ampere): cross-compiles lynxeval for aarch64 with
# Debian 12's gcc-aarch64-linux-gnu against Debian's arm64 libraries (multiarch, installed beside
# the build machine's), then runs every C unit test (tests/unit) under qemu-user. Installs what it
# needs with apt when it is missing (adding the arm64 architecture to dpkg; run as root), which
# needs the Debian mirror. Not part of CI (`.ci/run`): see docs/testing.md for how long it takes.
#   tools/aarch64-check.sh [BUILD_DIR]      (default build-aarch64)
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build-aarch64}
packages="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user libc6:arm64 check:arm64
  libcjson-dev:arm64 libopenblas-dev:arm64 libpng-dev:arm64 libjpeg-dev:arm64 libgif-dev:arm64
  libavformat-dev:arm64 libavcodec-dev:arm64 libswscale-dev:arm64 libavutil-dev:arm64
  libcurl4-openssl-dev:arm64 libgsl27:arm64 libgsl-dev"
missing=""
for p in $packages; do
  dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "aarch64-check.sh: installing$missing"
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  apt-get update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
start=$(date +%s)
# Debian's libgsl-dev cannot be installed for two architectures at once: the build machine's
# stays (its headers serve both), and the arm64 library is named through a folder of its own
gsl="$(pwd)/$dir/gsl-arm64"
mkdir -p "$gsl/lib" "$gsl/pkgconfig"
ln -sf /usr/lib/aarch64-linux-gnu/libgsl.so.27 "$gsl/lib/libgsl.so"
printf 'Name: GSL\nDescription: GNU Scientific Library (arm64)\nVersion: 2.7.1\nLibs: -L%s/lib -lgsl -lm\nCflags: -I/usr/include\n' \
  "$gsl" >"$gsl/pkgconfig/gsl.pc"
PKG_CONFIG_PATH="$gsl/pkgconfig" cmake -S . -B "$dir" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLYNXEVAL_CUDA=OFF -DLYNXEVAL_MPI=OFF -DGSL_LIBRARY="$gsl/lib/libgsl.so" >/dev/null
cmake --build "$dir"
built=$(date +%s)
file "$dir/lynxeval" | grep -q "ARM aarch64" || { echo "aarch64-check.sh: $dir/lynxeval is not an aarch64 binary" >&2; exit 1; }
qemu-aarch64 -L / "$dir/lynxeval" --version
# every Check suite, under qemu-aarch64 (the toolchain file's emulator); CUDA is not built
ctest --test-dir "$dir" -R '^test_' --output-on-failure --timeout 1800
echo "aarch64-check.sh: built in $((built - start)) s, unit tests in $(($(date +%s) - built)) s"
