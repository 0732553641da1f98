#!/usr/bin/env bash
# Network benchmarks: Spindle's echo and HTTP "hello" servers against Netty (NIO) and blocking sockets with a
# virtual thread per connection, each in its own JVM with the same flags, loaded by the same clients in one run.
# See perf/README.md, section "Network benchmarks", for what is measured and how to read the tables. What this
# script shares with run-tls.sh is in common.sh.

set -uo pipefail
export LC_ALL=C

usage() {
    usage_common
    cat <<'USAGE'
  --shapes LIST         comma-separated shape ids or prefixes (default: all), e.g. http,echo-c64,idle
                        shapes: http-c64 http-c256 echo-cC-B (C in 1,64,1000; B in 64,16384) idle-N
  --client C            the echo shapes' load client (default native):
                          native  perf/net/loadgen/echo_load.c (C, epoll, 1 thread), which this script builds
                                  with gcc into perf/net/target/loadgen/ (perf/net/loadgen/build.sh); it costs the
                                  2 shared cores far less CPU per request than the Java client
                          java    dev.spindle.perf.net.EchoLoadGenerator (1 thread) in its own JVM
                        Same options, window and output either way. HTTP shapes always use wrk, idle shapes the
                        Java IdleConnections; the TLS echo shapes (perf/net/run-tls.sh) keep their Java client.
  -h, --help            this text

Environment: JAVA_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64). Needs wrk for the HTTP shapes (installed
with apt-get when missing and running as root); gcc for the echo shapes with the native client. On shared
machines wrap the whole run in the build lock:
  flock /tmp/spindle-build.lock perf/net/run.sh --quick --shapes http-c64,echo-c64-64
USAGE
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ORIG_ARGS=("$@")
ROUNDS=2
DURATION=10
WARMUP=3
KINDS_ARG=spindle,netty,blocking-vt
WORKERS=2
IDLE_CONNS=10000
NEXT_PORT=18000
OUT_DIR=$ROOT/perf/net/results
ECHO_CLIENT=native
# shellcheck source=perf/net/common.sh
source "$ROOT/perf/net/common.sh"

script_option() {
    SHIFT=2
    case $1 in
        --client) ECHO_CLIENT=${2:?} ;;
        *) SHIFT=0 ;;
    esac
}

parse_options "$@"
check_numbers
case $ECHO_CLIENT in native | java) ;; *) die "--client must be native or java, got '$ECHO_CLIENT'" ;; esac
setup_java
select_kinds spindle netty blocking-vt

ALL_SHAPES=(http-c64 http-c256)
for c in 1 64 1000; do
    for b in 64 16384; do ALL_SHAPES+=("echo-c$c-$b"); done
done
ALL_SHAPES+=("idle-$IDLE_CONNS")
select_shapes

server_main() { # kind proto(echo|http)
    case $1/$2 in
        spindle/echo) echo dev.spindle.examples.net.EchoServer ;;
        spindle/http) echo dev.spindle.examples.net.HelloHttpServer ;;
        netty/echo) echo dev.spindle.perf.servers.NettyEchoServer ;;
        netty/http) echo dev.spindle.perf.servers.NettyHttpServer ;;
        blocking-vt/echo) echo dev.spindle.perf.servers.BlockingEchoServer ;;
        blocking-vt/http) echo dev.spindle.perf.servers.BlockingHttpServer ;;
    esac
}

# Every main must be in the jar; a missing Spindle example is named here instead of failing each run.
for k in "${KINDS[@]}"; do
    for p in echo http; do
        require_in_jar "$(server_main "$k" "$p")" " (kind $k): rebuild, or leave the kind out"
    done
done

raise_open_files

# The native echo client, built (when its source changed) before any server starts.
NEED_ECHO=0
for s in "${SHAPES[@]}"; do [[ $s == echo-* ]] && NEED_ECHO=1; done
if ((NEED_ECHO)) && [[ $ECHO_CLIENT == native ]]; then
    ECHO_BIN=$("$ROOT/perf/net/loadgen/build.sh") \
        || die "cannot build the native echo client (see above); --client java uses the Java one"
    ECHO_CC=$(${CC:-gcc} --version 2>/dev/null | head -1)
fi

NEED_WRK=0
for s in "${SHAPES[@]}"; do [[ $s == http-* ]] && NEED_WRK=1; done
if ((NEED_WRK)) && ! command -v wrk >/dev/null; then
    if ((EUID == 0)); then
        echo "installing wrk (apt-get)" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >&2 \
            || die "apt-get install wrk failed"
    else
        die "wrk is missing: sudo apt-get install wrk"
    fi
fi

open_results net

# The exact response every HTTP server must give to GET /, checked over bash's /dev/tcp before loading it.
EXPECTED_HTTP=$'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!'
check_http() {
    local resp=
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
    printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' >&3
    IFS= read -r -N ${#EXPECTED_HTTP} -t 5 -u 3 resp
    exec 3<&- 3>&-
    [[ $resp == "$EXPECTED_HTTP" ]]
}

# wrk prints latencies as 123.45us, 1.23ms or 1.02s; this gives microseconds.
wrk_us() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "ms") n *= 1000; else if (u == "s") n *= 1000000; else if (u == "m") n *= 60000000
        printf "%.1f", n }'
}

run_http() { # shape kind round conns
    local shape=$1 kind=$2 round=$3 conns=$4 tag=$1.$2.r$3
    start_server "$tag" || { fail "$shape" "$kind" "$round" "server did not start"; return; }
    local url=http://127.0.0.1:$SERVER_PORT/
    if ! check_http "$SERVER_PORT"; then
        fail "$shape" "$kind" "$round" "GET / did not answer exactly the expected 78 bytes"
        stop_pid "$SERVER_PID"
        return
    fi
    if ((WARMUP > 0)); then
        wrk -t1 -c"$conns" -d"${WARMUP}s" "$url" >"$LOGS/$tag.warmup.txt" 2>&1
    fi
    local c0 c1 t0 t1 out=$LOGS/$tag.wrk.txt
    cpu_ticks "$SERVER_PID"; c0=$TICKS; t0=$EPOCHREALTIME
    local TIMEFORMAT='%U %S'
    { time wrk -t1 -c"$conns" -d"${DURATION}s" --latency "$url" >"$out" 2>&1; } 2>"$LOGS/$tag.wrk.time"
    cpu_ticks "$SERVER_PID"; c1=$TICKS; t1=$EPOCHREALTIME
    stop_pid "$SERVER_PID"
    if [[ -z $c0 || -z $c1 ]]; then
        fail "$shape" "$kind" "$round" "server exited during the run (see $SERVER_LOG)"
        return
    fi
    local rps p50 p99 errors client
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p50=$(awk '$1 == "50%" {print $2}' "$out")
    p99=$(awk '$1 == "99%" {print $2}' "$out")
    if [[ -z $rps || -z $p50 || -z $p99 ]]; then
        fail "$shape" "$kind" "$round" "no wrk result (see $out)"
        return
    fi
    errors=$(awk '/Socket errors:/ {gsub(/,/, ""); s += $4 + $6 + $8 + $10}
                  /Non-2xx or 3xx responses:/ {s += $NF}
                  END {print s + 0}' "$out")
    client=$(awk -v t0="$t0" -v t1="$t1" '{printf "%.1f", 100 * ($1 + $2) / (t1 - t0)}' "$LOGS/$tag.wrk.time")
    printf 'load\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$shape" "$kind" "$round" "$rps" "$(wrk_us "$p50")" \
        "$(wrk_us "$p99")" "$(cpu_pct $((c1 - c0)) "$t0" "$t1")" "$client" "$errors" >>"$RAW"
    log "$shape $kind round $round: $rps req/s, p50 $p50, p99 $p99, errors $errors"
}

CLIENT=("$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR")

run_shape() { # shape kind round
    local shape=$1 rest
    case $shape in
        http-c*)
            SERVER=("$(server_main "$2" http)")
            run_http "$shape" "$2" "$3" "${shape#http-c}"
            ;;
        echo-c*)
            rest=${shape#echo-c}
            SERVER=("$(server_main "$2" echo)")
            if [[ $ECHO_CLIENT == native ]]; then
                run_load "$shape" "$2" "$3" "$ECHO_BIN" --connections "${rest%-*}" --size "${rest#*-}" --threads 1
            else
                run_load "$shape" "$2" "$3" "${CLIENT[@]}" dev.spindle.perf.net.EchoLoadGenerator \
                    --connections "${rest%-*}" --size "${rest#*-}" --threads 1
            fi
            ;;
        idle-*)
            # Against the echo server, each connection after a 1-byte echo.
            SERVER=("$(server_main "$2" echo)")
            run_idle "$shape" "$2" "$3" "${shape#idle-}" "${CLIENT[@]}" dev.spindle.perf.net.IdleConnections \
                --probe echo
            ;;
    esac
}

run_rounds

{
    report_machine "Network benchmarks"
    if ((NEED_WRK)); then echo "- wrk: $(wrk -v 2>&1 | head -1)"; fi
    report_run
    if [[ $ECHO_CLIENT == native ]]; then
        echo_client="native \`echo_load\` (perf/net/loadgen/echo_load.c, C, epoll, $ECHO_CC), 1 thread"
    else
        echo_client="Java EchoLoadGenerator (own JVM, same flags), 1 thread"
    fi
    if ((NEED_ECHO)); then echo "- echo load client (\`--client $ECHO_CLIENT\`): $echo_client"; fi
    echo "- HTTP load: \`wrk -t1 -cN -d${DURATION}s --latency\`; server CPU is utime+stime from /proc/PID/stat" \
        "over the measured window, in % of one core, and per request: server CPU time in the window ÷" \
        "requests the client completed in it"
    echo "- idle: $IDLE_CONNS connections to the echo server, each after a 1-byte echo; RSS (VmRSS) and live" \
        "heap (GC.heap_info) sampled after \`jcmd PID GC.run\`," \
        "before opening and after the ${DURATION} s CPU window;" \
        "B/conn = (after - before) / connections"
    report_tables spindle,netty,blocking-vt
} >"$REPORT"
cat "$REPORT"
log "report: $REPORT"
