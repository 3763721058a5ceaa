#!/bin/sh
# lynxeval-mpi under MPICH as well as Open MPI: builds lynxeval-mpi against Debian 12's MPICH
# 4.0.2, unpacked from its packages into a scratch folder (installing it would make MPICH the
# system's mpicc and mpirun, in place of Open MPI), and runs tests/runs/test_mpi.py with MPICH's
# mpiexec (hydra). Needs a Release build in build/ (tools/main-job.sh makes one) and network
# access to the Debian mirror. Takes about two minutes here.
#   tools/mpich-check.sh [--full]     --full: the whole world suite in the identity check
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # apt-get download runs as _apt
(cd "$work" && apt-get download mpich libmpich-dev libmpich12 libslurm38 libhwloc15 >/dev/null)
for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/root"; done
mpich="$work/root/usr"
libs="$mpich/lib/x86_64-linux-gnu"
b="$root/build"
[ -f "$b/liblx_runs.a" ] || { echo "mpich-check.sh: build/ has no Release build (tools/main-job.sh)" >&2; exit 1; }
flags="-O3 -DNDEBUG -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -DLYNXEVAL_VERSION=\"mpich-check\"
  -I$b/generated -I$root -isystem /usr/include/cjson -isystem $mpich/include/x86_64-linux-gnu/mpich"
# shellcheck disable=SC2086
cc $flags -c cli/mpi_main.c -o "$work/mpi_main.o"
# shellcheck disable=SC2086
cc $flags -c runs/dispatch_mpi.c -o "$work/dispatch_mpi.o"
for f in cmd_run run_results home args; do
  # shellcheck disable=SC2086
  cc $flags -c "cli/$f.c" -o "$work/$f.o"
done
cc -O3 "$work"/*.o -o "$work/lynxeval-mpi" -pthread \
  "$b/liblx_reports.a" "$b/liblx_runs.a" "$b/liblx_model.a" "$b/liblx_media.a" "$b/liblx_tasks.a" \
  "$b/liblx_scorers.a" "$b/liblx_text.a" "$b/liblx_run_dir.a" "$b/liblx_common.a" \
  -L/usr/lib/x86_64-linux-gnu/openblas-pthread -lopenblas -lgsl -lpng -lz -ljpeg -lgif \
  -lavformat -lavcodec -lswscale -lavutil -lcjson -lm -L"$libs" -lmpich -Wl,-rpath,"$libs"
export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$mpich/bin:$PATH"
"$mpich/bin/mpichversion" | head -1
/usr/bin/python3 tests/runs/test_mpi.py "$b/lynxeval" "$work/lynxeval-mpi" "$root" --mpiexec "$mpich/bin/mpiexec.hydra" "$@"
