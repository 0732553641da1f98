#!/usr/bin/env bash
# Network benchmarks: Spindle's echo and HTTP "hello" servers against Netty (NIO) and blocking sockets with a
# virtual thread per connection, each in its own JVM with the same flags, loaded by the same clients in one run.
# See perf/README.md, section "Network benchmarks", for what is measured and how to read the tables.

set -uo pipefail
export LC_ALL=C

usage() {
    cat <<'EOF'
usage: perf/net/run.sh [options]

Build first (this script builds nothing), from the repository root:
  ./mvnw -B -o -q -pl perf -am package -DskipTests

Options:
  --rounds N         rounds; each runs every shape once per server kind, interleaved (default 2)
  --duration S       measured seconds per run, whole seconds (default 10); also the idle CPU window
  --warmup S         unmeasured load before each measured run, whole seconds (default 3)
  --quick            smoke test: --rounds 1 --duration 2 --warmup 1
  --kinds LIST       comma-separated server kinds (default spindle,netty,blocking-vt)
  --shapes LIST      comma-separated shape ids or prefixes (default: all), e.g. http,echo-c64,idle
                     shapes: http-c64 http-c256 echo-cC-B (C in 1,64,1000; B in 64,16384) idle-N
  --workers N        server worker threads / event loops / carriers (default 2)
  --idle-conns N     connections of the idle shape (default 10000)
  --base-port P      first TCP port for the servers; each run takes the next one (default 18000)
  --out DIR          where the report (.md) and raw results (.tsv) go (default perf/net/results)
  -h, --help         this text

Environment: JAVA_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64). Needs wrk for the HTTP shapes (installed
with apt-get when missing and running as root). On shared machines wrap the whole run in the build lock:
  flock /tmp/spindle-build.lock perf/net/run.sh --quick --shapes http-c64,echo-c64-64
EOF
}

die() {
    echo "run.sh: $*" >&2
    exit 1
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ORIG_ARGS=("$@")
ROUNDS=2
DURATION=10
WARMUP=3
KINDS_ARG=spindle,netty,blocking-vt
SHAPES_ARG=
WORKERS=2
IDLE_CONNS=10000
NEXT_PORT=18000
OUT_DIR=$ROOT/perf/net/results

while (($#)); do
    case $1 in
        --rounds) ROUNDS=${2:?}; shift 2 ;;
        --duration) DURATION=${2:?}; shift 2 ;;
        --warmup) WARMUP=${2:?}; shift 2 ;;
        --quick) ROUNDS=1; DURATION=2; WARMUP=1; shift ;;
        --kinds) KINDS_ARG=${2:?}; shift 2 ;;
        --shapes) SHAPES_ARG=${2:?}; shift 2 ;;
        --workers) WORKERS=${2:?}; shift 2 ;;
        --idle-conns) IDLE_CONNS=${2:?}; shift 2 ;;
        --base-port) NEXT_PORT=${2:?}; shift 2 ;;
        --out) OUT_DIR=${2:?}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option $1" ;;
    esac
done
for n in "$ROUNDS" "$DURATION" "$WORKERS" "$IDLE_CONNS" "$NEXT_PORT"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "expected a positive whole number, got '$n'"
done
[[ $WARMUP =~ ^[0-9]+$ ]] || die "--warmup must be a whole number of seconds, got '$WARMUP'"

JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
JCMD=$JAVA_HOME/bin/jcmd
JAR=$ROOT/perf/target/benchmarks.jar
[[ -x $JAVA ]] || die "no java at $JAVA (set JAVA_HOME)"
[[ -x $JCMD ]] || die "no jcmd at $JCMD (JAVA_HOME must be a JDK)"
[[ -f $JAR ]] || die "no $JAR: build first with ./mvnw -B -o -q -pl perf -am package -DskipTests"
JAVA_VERSION=$("$JAVA" -version 2>&1 | head -1)
JAVA_FEATURE=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
((JAVA_FEATURE >= 21)) || die "need JDK >= 21, $JAVA is $JAVA_FEATURE"

# Same flags for every JVM, server or client. G1 is named because the JVM would pick Serial on a machine it
# does not consider server-class; the Unsafe flag (JDK 24+) only silences Netty's and JMH's warning.
JVM_FLAGS=(-Xms256m -Xmx1g -XX:+UseG1GC)
((JAVA_FEATURE >= 24)) && JVM_FLAGS+=(--sun-misc-unsafe-memory-access=allow)

IFS=, read -r -a KINDS <<<"$KINDS_ARG"
for k in "${KINDS[@]}"; do
    case $k in spindle | netty | blocking-vt) ;; *) die "unknown kind $k (spindle, netty, blocking-vt)" ;; esac
done

ALL_SHAPES=(http-c64 http-c256)
for c in 1 64 1000; do
    for b in 64 16384; do ALL_SHAPES+=("echo-c$c-$b"); done
done
ALL_SHAPES+=("idle-$IDLE_CONNS")
SHAPES=()
if [[ -z $SHAPES_ARG ]]; then
    SHAPES=("${ALL_SHAPES[@]}")
else
    IFS=, read -r -a wanted <<<"$SHAPES_ARG"
    for s in "${ALL_SHAPES[@]}"; do
        for w in "${wanted[@]}"; do
            if [[ $s == "$w" || $s == "$w"-* ]]; then SHAPES+=("$s"); break; fi
        done
    done
    ((${#SHAPES[@]})) || die "--shapes $SHAPES_ARG matches none of: ${ALL_SHAPES[*]}"
fi

server_main() { # kind proto(echo|http)
    case $1/$2 in
        spindle/echo) echo dev.spindle.examples.net.EchoServer ;;
        spindle/http) echo dev.spindle.examples.net.HelloHttpServer ;;
        netty/echo) echo dev.spindle.perf.net.NettyEchoServer ;;
        netty/http) echo dev.spindle.perf.net.NettyHttpServer ;;
        blocking-vt/echo) echo dev.spindle.perf.net.BlockingEchoServer ;;
        blocking-vt/http) echo dev.spindle.perf.net.BlockingHttpServer ;;
    esac
}

# Every main must be in the jar; a missing Spindle example is named here instead of failing each run.
JAR_LIST=$("$JAVA_HOME/bin/jar" tf "$JAR")
for k in "${KINDS[@]}"; do
    for p in echo http; do
        m=$(server_main "$k" "$p")
        grep -qx "${m//.//}.class" <<<"$JAR_LIST" || die "$m is not in $JAR (kind $k): rebuild, or leave the kind out"
    done
done

# 10,000 idle connections need as many descriptors in the client and in the server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
for s in "${SHAPES[@]}"; do
    if [[ $s == idle-* ]] && [[ $NOFILE != unlimited ]] && ((NOFILE < IDLE_CONNS + 200)); then
        die "open-file limit $NOFILE is too low for $IDLE_CONNS idle connections (raise the hard limit)"
    fi
done

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

CLK_TCK=$(getconf CLK_TCK)
STAMP=$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT_DIR" || die "cannot create $OUT_DIR"
RAW=$OUT_DIR/net-$STAMP.tsv
REPORT=$OUT_DIR/net-$STAMP.md
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/spindle-net-$STAMP.XXXX")
: >"$RAW"

# Processes this script started, so an interrupted run leaves nothing behind (only these pids are killed).
STARTED=()
cleanup() {
    for pid in "${STARTED[@]}"; do
        kill -KILL "$pid" 2>/dev/null
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# utime + stime of a process, in clock ticks, into TICKS. The command name in field 2 is in parentheses and
# may hold spaces, so the fields are counted after the last ')': utime and stime are fields 14 and 15.
cpu_ticks() {
    local stat
    TICKS=
    read -r stat <"/proc/$1/stat" 2>/dev/null || return 1
    local -a f
    read -r -a f <<<"${stat##*) }"
    TICKS=$((f[11] + f[12]))
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# Live heap after a full GC, in KiB, from the first "used NNNK" of GC.heap_info.
heap_used_kb() { "$JCMD" "$1" GC.heap_info 2>/dev/null | grep -o 'used [0-9]*K' | head -1 | tr -dc 0-9; }

gc_run() { "$JCMD" "$1" GC.run >/dev/null 2>&1; }

# CPU % of one core: ticks over a wall-clock window given by two EPOCHREALTIME stamps.
cpu_pct() { awk -v d="$1" -v hz="$CLK_TCK" -v t0="$2" -v t1="$3" 'BEGIN {printf "%.1f", 100 * d / hz / (t1 - t0)}'; }

SERVER_PID=
SERVER_PORT=
SERVER_LOG=

# Starts a server and waits for its "listening on" line; a server that exits first (port taken) is retried on
# the next port. Sets SERVER_PID, SERVER_PORT, SERVER_LOG.
start_server() { # kind proto tag
    local main attempt port line
    main=$(server_main "$1" "$2")
    for attempt in 1 2 3 4 5; do
        port=$NEXT_PORT
        NEXT_PORT=$((NEXT_PORT + 1))
        SERVER_LOG=$LOGS/$3.server.$port.log
        "$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" "$main" --host 127.0.0.1 --port "$port" --workers "$WORKERS" \
            >"$SERVER_LOG" 2>&1 &
        SERVER_PID=$!
        STARTED+=("$SERVER_PID")
        local waited=0
        while ((waited < 600)); do
            line=$(grep -m1 '^listening on ' "$SERVER_LOG" 2>/dev/null)
            if [[ -n $line ]]; then
                SERVER_PORT=${line##*:}
                return 0
            fi
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.05
            waited=$((waited + 1))
        done
        stop_pid "$SERVER_PID"
        log "server $main did not start on port $port (attempt $attempt): $(tail -3 "$SERVER_LOG" | tr '\n' ' ')"
    done
    return 1
}

# Ends a process this script started: TERM, then KILL after 5 s.
stop_pid() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    local -a rest=()
    for p in "${STARTED[@]}"; do [[ $p == "$pid" ]] || rest+=("$p"); done
    STARTED=("${rest[@]}")
}

fail() { # shape kind round reason
    printf 'fail\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RAW"
    log "FAILED $1 $2 round $3: $4"
}

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
    start_server "$kind" http "$tag" || { fail "$shape" "$kind" "$round" "server did not start"; return; }
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

# The generator prints "WINDOW start" / "WINDOW end" at the edges of its measured window; the server's CPU time
# is sampled as each line arrives, so warm-up and connection set-up stay out of the figure.
run_echo() { # shape kind round conns size
    local shape=$1 kind=$2 round=$3 conns=$4 size=$5 tag=$1.$2.r$3
    start_server "$kind" echo "$tag" || { fail "$shape" "$kind" "$round" "server did not start"; return; }
    local c0= c1= t0= t1= result= line out=$LOGS/$tag.gen.txt
    while IFS= read -r line; do
        case $line in
            "WINDOW start"*) cpu_ticks "$SERVER_PID"; c0=$TICKS; t0=$EPOCHREALTIME ;;
            "WINDOW end"*) cpu_ticks "$SERVER_PID"; c1=$TICKS; t1=$EPOCHREALTIME ;;
            RESULT*) result=$line ;;
        esac
        echo "$line" >>"$out"
    done < <("$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" dev.spindle.perf.net.EchoLoadGenerator --host 127.0.0.1 \
        --port "$SERVER_PORT" --connections "$conns" --size "$size" --duration "$DURATION" --warmup "$WARMUP" \
        --threads 1 2>>"$out")
    stop_pid "$SERVER_PID"
    if [[ -z $result ]]; then
        fail "$shape" "$kind" "$round" "no generator result (see $out)"
        return
    fi
    if [[ -z $c0 || -z $c1 || -z $t0 || -z $t1 ]]; then
        fail "$shape" "$kind" "$round" "server exited during the run (see $SERVER_LOG)"
        return
    fi
    local -A r=()
    local kv
    for kv in ${result#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
    printf 'load\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$shape" "$kind" "$round" "${r[rps]}" "${r[p50_us]}" \
        "${r[p99_us]}" "$(cpu_pct $((c1 - c0)) "$t0" "$t1")" "${r[client_cpu_pct]}" "${r[errors]}" >>"$RAW"
    log "$shape $kind round $round: ${r[rps]} req/s, p50 ${r[p50_us]} us, p99 ${r[p99_us]} us, errors ${r[errors]}"
}

# Idle connections against the echo server: RSS and live heap after a full GC before and after opening them,
# and the server's CPU over --duration seconds while they sit idle.
run_idle() { # shape kind round conns
    local shape=$1 kind=$2 round=$3 conns=$4 tag=$1.$2.r$3
    start_server "$kind" echo "$tag" || { fail "$shape" "$kind" "$round" "server did not start"; return; }
    sleep 1
    gc_run "$SERVER_PID"
    local r0 h0 r1 h1 c0 c1 t0 t1 out=$LOGS/$tag.idle.txt
    r0=$(rss_kb "$SERVER_PID"); h0=$(heap_used_kb "$SERVER_PID")
    "$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" dev.spindle.perf.net.IdleConnections --host 127.0.0.1 \
        --port "$SERVER_PORT" --connections "$conns" --hold 0 --probe echo >"$out" 2>&1 &
    local client=$!
    STARTED+=("$client")
    local waited=0
    # The whole line, not just its start: the script may read the file while the line is being written.
    while ! grep -q "^OPEN connections=[0-9]* failures=[0-9]* seconds=" "$out" 2>/dev/null; do
        if ! kill -0 "$client" 2>/dev/null || ((waited > 3000)); then
            stop_pid "$client"; stop_pid "$SERVER_PID"
            fail "$shape" "$kind" "$round" "connections did not open (see $out)"
            return
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    local open
    open=$(grep -m1 "^OPEN connections=" "$out" | sed "s/^OPEN connections=\([0-9]*\) .*/\1/")
    sleep 2
    cpu_ticks "$SERVER_PID"; c0=$TICKS; t0=$EPOCHREALTIME
    sleep "$DURATION"
    cpu_ticks "$SERVER_PID"; c1=$TICKS; t1=$EPOCHREALTIME
    gc_run "$SERVER_PID"
    r1=$(rss_kb "$SERVER_PID"); h1=$(heap_used_kb "$SERVER_PID")
    local closed
    closed=$(grep -c '^CLOSED_BY_SERVER' "$out")
    stop_pid "$client"
    stop_pid "$SERVER_PID"
    if [[ -z $c0 || -z $c1 || -z $r0 || -z $r1 ]]; then
        fail "$shape" "$kind" "$round" "server exited during the run (see $SERVER_LOG)"
        return
    fi
    printf 'idle\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$shape" "$kind" "$round" "$open" "$r0" "$r1" \
        "${h0:-NaN}" "${h1:-NaN}" "$(cpu_pct $((c1 - c0)) "$t0" "$t1")" "$closed" >>"$RAW"
    log "$shape $kind round $round: $open open, RSS ${r0} -> ${r1} KiB, heap ${h0} -> ${h1} KiB, closed $closed"
}

run_shape() { # shape kind round
    local shape=$1
    case $shape in
        http-c*) run_http "$shape" "$2" "$3" "${shape#http-c}" ;;
        echo-c*)
            local rest=${shape#echo-c}
            run_echo "$shape" "$2" "$3" "${rest%-*}" "${rest#*-}"
            ;;
        idle-*) run_idle "$shape" "$2" "$3" "${shape#idle-}" ;;
    esac
}

runs=$((${#SHAPES[@]} * ${#KINDS[@]} * ROUNDS))
log "$runs runs (${#SHAPES[@]} shapes x ${#KINDS[@]} kinds x $ROUNDS rounds)," \
    "about $((runs * (WARMUP + DURATION + 3) / 60 + 1)) min; logs in $LOGS"
for ((round = 1; round <= ROUNDS; round++)); do
    for shape in "${SHAPES[@]}"; do
        # Interleaved: every kind runs each shape before the next shape; the kind that goes first rotates per
        # round, so a slow drift of the machine does not always hit the same server.
        for ((i = 0; i < ${#KINDS[@]}; i++)); do
            kind=${KINDS[$(((i + round - 1) % ${#KINDS[@]}))]}
            run_shape "$shape" "$kind" "$round"
        done
    done
done

{
    echo "## Network benchmarks, run of $(date '+%Y-%m-%d %H:%M %Z')"
    echo
    echo "- machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)," \
        "$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r)"
    echo "- JDK: $JAVA_VERSION ($JAVA)"
    if ((NEED_WRK)); then echo "- wrk: $(wrk -v 2>&1 | head -1)"; fi
    if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
        dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no | head -1)
        subject=$(git -C "$ROOT" log -1 --format="%h %s" | cut -c1-100)
        echo "- Spindle commit: $subject${dirty:+ (with uncommitted changes)}"
    fi
    echo "- command: \`perf/net/run.sh ${ORIG_ARGS[*]}\`"
    echo "- $ROUNDS round(s); each run: a fresh server JVM, ${WARMUP} s warm-up load, ${DURATION} s measured;" \
        "servers with --workers $WORKERS; every JVM: \`${JVM_FLAGS[*]}\`"
    echo "- HTTP load: \`wrk -t1 -cN -d${DURATION}s --latency\`; echo load: EchoLoadGenerator, 1 thread;" \
        "server CPU is utime+stime from /proc/PID/stat over the measured window, in % of one core"
    echo "- idle: $IDLE_CONNS connections to the echo server, each after a 1-byte echo; RSS (VmRSS) and live" \
        "heap (GC.heap_info) sampled after \`jcmd PID GC.run\`," \
        "before opening and after the ${DURATION} s CPU window;" \
        "B/conn = (after - before) / connections"
    echo "- raw results: $(basename "$RAW"); logs: $LOGS"
    "$JAVA" -Dstdout.encoding=UTF-8 -cp "$JAR" dev.spindle.perf.net.NetReport "$RAW"
} >"$REPORT"
cat "$REPORT"
log "report: $REPORT"
