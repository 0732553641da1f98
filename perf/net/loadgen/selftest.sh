#!/usr/bin/env bash
# Self-test of the native echo load generator (perf/net/loadgen/echo_load.c), about 15 s: builds it, then runs
# it for a second or two at a time against perf/net/loadgen/echo_server.py (python3, no JVM) and checks that
#   - a plain run reports WINDOW start, WINDOW end and a RESULT line, in that order, with requests > 0 and
#     errors=0, and ends on its own within its warm-up + duration (plus opening and slack);
#   - 16 KiB messages over 2 threads do too;
#   - a corrupted echo, an EOF and a reset from the server are each counted as errors, with a clear reason;
#   - a refused port counts every connection as an error and still ends on its own;
#   - the command line is checked: only 127.0.0.1 as --host, --port required, unknown options refused (exit 2).
# On the shared 2-core machines run it in the lock: flock /tmp/spindle-build.lock perf/net/loadgen/selftest.sh

set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BIN=$("$ROOT/perf/net/loadgen/build.sh") || exit 1
SERVER_PY=$ROOT/perf/net/loadgen/echo_server.py
command -v python3 >/dev/null || { echo "selftest: python3 is needed for the test echo server" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/echo-load-selftest.XXXX")
SERVER_PID=
FAILED=0

cleanup() {
    [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; FAILED=1; }

start_server() { # mode
    : >"$TMP/server.log"
    python3 "$SERVER_PY" --mode "$1" >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        PORT=$(sed -n 's/^listening on 127\.0\.0\.1://p' "$TMP/server.log")
        [[ -n $PORT ]] && return 0
        sleep 0.05
    done
    echo "selftest: the test echo server did not start: $(cat "$TMP/server.log")" >&2
    exit 1
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
}

# Runs the client with the arguments given; OUT, ERR, RC, SECS, and R[key] from its RESULT line.
run_client() {
    local t0=$EPOCHREALTIME
    "$BIN" "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    SECS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
    unset R
    declare -gA R=()
    local line kv
    line=$(grep '^RESULT ' "$TMP/out")
    for kv in ${line#RESULT }; do R[${kv%%=*}]=${kv#*=}; done
}

# The WINDOW lines and the RESULT line, in order, and the client's exit status 0.
check_shape() { # name
    if ((RC == 0)) && [[ $(grep -E '^(WINDOW|RESULT)' <<<"$OUT" | cut -c1-12 | tr '\n' '|') == "WINDOW start|WINDOW end|RESULT conns|" ]]; then
        pass "$1: exit 0, WINDOW start, WINDOW end, RESULT"
    else
        fail "$1: exit $RC, output: $OUT / $ERR"
    fi
}

# 1. A plain run: requests counted, no errors, bounded in time.
start_server echo
run_client --port "$PORT" --connections 4 --size 64 --duration 2 --warmup 0.5
stop_server
check_shape "64 B x 4 conns"
if ((${R[requests]:-0} > 0)) && [[ ${R[errors]:-x} == 0 ]]; then
    pass "64 B x 4 conns: requests=${R[requests]} rps=${R[rps]} p50_us=${R[p50_us]} p99_us=${R[p99_us]} errors=0 client_cpu_pct=${R[client_cpu_pct]}"
else
    fail "64 B x 4 conns: requests=${R[requests]:-?} errors=${R[errors]:-?} ($ERR)"
fi
if awk -v s="$SECS" 'BEGIN {exit !(s >= 2.4 && s < 4.5)}'; then
    pass "64 B x 4 conns: ended on its own after ${SECS} s (0.5 s warm-up + 2 s)"
else
    fail "64 B x 4 conns: took ${SECS} s for 0.5 s warm-up + 2 s"
fi
for k in conns size threads duration_s requests rps p50_us p90_us p99_us p999_us max_us errors client_cpu_pct; do
    [[ -n ${R[$k]:-} ]] || fail "RESULT has no $k: $OUT"
done
if awk -v a="${R[p50_us]}" -v b="${R[p90_us]}" -v c="${R[p99_us]}" -v d="${R[p999_us]}" -v e="${R[max_us]}" \
    'BEGIN {exit !(0 < a && a <= b && b <= c && c <= d && d <= e)}'; then
    pass "64 B x 4 conns: 0 < p50 <= p90 <= p99 <= p99.9 <= max"
else
    fail "64 B x 4 conns: percentiles out of order: $OUT"
fi

# 2. 16 KiB messages (partial writes and reads), two threads.
start_server echo
run_client --port "$PORT" --connections 8 --size 16384 --threads 2 --duration 1 --warmup 0.2
stop_server
check_shape "16 KiB x 8 conns, 2 threads"
if ((${R[requests]:-0} > 0)) && [[ ${R[errors]:-x} == 0 && ${R[threads]} == 2 ]]; then
    pass "16 KiB x 8 conns, 2 threads: requests=${R[requests]} errors=0"
else
    fail "16 KiB x 8 conns, 2 threads: requests=${R[requests]:-?} errors=${R[errors]:-?} threads=${R[threads]:-?} ($ERR)"
fi

# 3. A server that misbehaves after 1,000 bytes on each connection: every connection is dropped, with a reason.
for mode in corrupt close reset; do
    case $mode in
        corrupt) want="echo differs from the message sent at byte" ;;
        close) want="closed by the server (EOF)" ;;
        reset) want="Connection reset by peer" ;;
    esac
    start_server "$mode"
    run_client --port "$PORT" --connections 3 --size 100 --duration 1 --warmup 0
    stop_server
    check_shape "server $mode"
    if [[ ${R[errors]:-x} == 3 ]] && grep -qF "first error (of 3): " <<<"$ERR" && grep -qF "$want" <<<"$ERR"; then
        pass "server $mode: errors=3, stderr: $(head -1 <<<"$ERR")"
    else
        fail "server $mode: errors=${R[errors]:-?}, expected 3 and '$want' on stderr: $ERR"
    fi
done

# 4. Nothing listening: every connection fails to open, the run still ends with a result.
start_server echo
stop_server # the port is now (almost certainly) closed
run_client --port "$PORT" --connections 5 --duration 0.5 --warmup 0
check_shape "refused port"
if [[ ${R[errors]:-x} == 5 && ${R[requests]:-x} == 0 ]] && grep -qF "5 of 5 connections failed to open; first: connect failed: Connection refused" <<<"$ERR"; then
    pass "refused port: errors=5 requests=0, stderr: $(head -1 <<<"$ERR")"
else
    fail "refused port: errors=${R[errors]:-?} requests=${R[requests]:-?}: $ERR"
fi

# 5. The command line.
expect_usage_error() { # what, then the arguments
    local what=$1
    shift
    run_client "$@"
    if ((RC == 2)) && grep -q "^error: $what" <<<"$ERR" && [[ -z $OUT ]]; then
        pass "refused: $* ($(head -1 <<<"$ERR"))"
    else
        fail "not refused with exit 2 and 'error: $what': $* (exit $RC: $ERR)"
    fi
}
expect_usage_error "--host must be 127.0.0.1" --port 9 --host 10.0.0.1
expect_usage_error "--host must be 127.0.0.1" --port 9 --host localhost
expect_usage_error "--port is required" --connections 1
expect_usage_error "unknown option --bogus" --port 9 --bogus 1
expect_usage_error "--size must be at least 2" --port 9 --size 1
expect_usage_error "--duration must be more than 0" --port 9 --duration 0
run_client --help
if ((RC == 0)) && grep -q '^usage: echo_load' <<<"$OUT"; then pass "--help"; else fail "--help: exit $RC"; fi

if ((FAILED)); then
    echo "selftest: FAILED" >&2
    exit 1
fi
echo "selftest: all passed"
