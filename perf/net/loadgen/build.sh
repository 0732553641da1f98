#!/usr/bin/env bash
# Builds the native echo load generator, perf/net/loadgen/echo_load.c, into perf/net/target/loadgen/echo_load (the
# perf module's build directory, which git ignores). Called by perf/net/run.sh before echo shapes with the
# native client; it can also be run by hand. Rebuilds only when the source (or this script) is newer than the
# binary; --force rebuilds anyway. Prints the binary's path on stdout.
#
# Needs gcc (Debian: apt-get install gcc). CC overrides the compiler, CFLAGS_EXTRA adds flags.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
SRC=$ROOT/perf/net/loadgen/echo_load.c
OUT_DIR=$ROOT/perf/net/target/loadgen
BIN=$OUT_DIR/echo_load
CC=${CC:-gcc}

if [[ ${1:-} == --force ]]; then
    rm -f "$BIN"
elif [[ -n ${1:-} ]]; then
    echo "usage: perf/net/loadgen/build.sh [--force]" >&2
    exit 2
fi

if ! command -v "$CC" >/dev/null; then
    echo "perf/net/loadgen/build.sh: no C compiler '$CC' on PATH; the native echo client needs one" \
        "(Debian: sudo apt-get install gcc), or run perf/net/run.sh with --client java" >&2
    exit 1
fi

if [[ -x $BIN && $BIN -nt $SRC && $BIN -nt ${BASH_SOURCE[0]} ]]; then
    echo "$BIN"
    exit 0
fi

mkdir -p "$OUT_DIR"
# -O2 and warnings as errors; -pthread for --threads; -lm for ceil/llround. Built to a temporary name and
# moved, so an interrupted build never leaves a half-written binary that looks up to date.
# shellcheck disable=SC2086
"$CC" -std=c11 -O2 -Wall -Wextra -Werror -pthread ${CFLAGS_EXTRA:-} -o "$BIN.tmp" "$SRC" -lm
mv -f "$BIN.tmp" "$BIN"
echo "$BIN"
