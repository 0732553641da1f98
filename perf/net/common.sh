# Shared by perf/net/run.sh (plain TCP) and perf/net/run-tls.sh (TLS), which source it: option parsing, the JDK
# and the jar, the shapes and kinds chosen, starting and stopping servers, sampling CPU, RSS and heap, running a
# load client or an idle holder against a server, the interleaved rounds and the report around NetReport's
# tables. Each script keeps what is its own: its usage, its kinds and shapes, which main serves which kind,
# which client loads which shape, and its lines of the report header.
#
# Before sourcing, a script sets ROOT, ORIG_ARGS (its command line, for the report) and the defaults of ROUNDS DURATION WARMUP KINDS_ARG WORKERS IDLE_CONNS
# NEXT_PORT OUT_DIR (and may set QUICK_IDLE_CONNS, IDLE_OPEN_LIMIT_S), and defines usage().

SHAPES_ARG=
SCRIPT_NAME=$(basename "$0")
# The defaults, as the script set them, for the usage text.
DEFAULTS="(default $ROUNDS)|(default $DURATION)|(default $WARMUP)|(default $KINDS_ARG)|(default $WORKERS)"
DEFAULTS+="|(default $IDLE_CONNS)|(default $NEXT_PORT)"

die() {
    echo "$SCRIPT_NAME: $*" >&2
    exit 1
}

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# The first part of the usage text: how to build, and the options both scripts take (see common_option).
usage_common() {
    local -a d
    IFS='|' read -r -a d <<<"$DEFAULTS"
    cat <<USAGE
usage: perf/net/$SCRIPT_NAME [options]

Build the jar first (the script does not build it), from the repository root:
  ./mvnw -B -o -q -pl perf/net -am package -DskipTests

Options:
  --rounds N            rounds; each runs every shape once per server kind, interleaved ${d[0]}
  --duration S          measured seconds per run, whole seconds ${d[1]}; also the idle CPU window
  --warmup S            unmeasured load before each measured run, whole seconds ${d[2]}
  --quick               smoke test: --rounds 1 --duration 2 --warmup 1${QUICK_IDLE_CONNS:+ --idle-conns $QUICK_IDLE_CONNS}
  --kinds LIST          comma-separated server kinds ${d[3]}
  --workers N           server worker threads / event loops / carriers ${d[4]}
  --idle-conns N        connections of the idle shape ${d[5]}
  --base-port P         first TCP port for the servers; each run takes the next one ${d[6]}
  --out DIR             where the report (.md) and raw results (.tsv) go (default perf/net/results)

SPINDLE_PERF_JVM_FLAGS: extra flags for every JVM, e.g. "-Dspindle.examples.metricsOnExit=true" (Spindle
servers print their runtime's metrics (polls, steals, parks per worker) into the run's server log on exit).
USAGE
}

# The options both scripts take; sets SHIFT to the number of words used, 0 if $1 is not one of them.
common_option() {
    SHIFT=2
    case $1 in
        --rounds) ROUNDS=${2:?} ;;
        --duration) DURATION=${2:?} ;;
        --warmup) WARMUP=${2:?} ;;
        --quick) ROUNDS=1; DURATION=2; WARMUP=1; IDLE_CONNS=${QUICK_IDLE_CONNS:-$IDLE_CONNS}; SHIFT=1 ;;
        --kinds) KINDS_ARG=${2:?} ;;
        --shapes) SHAPES_ARG=${2:?} ;;
        --workers) WORKERS=${2:?} ;;
        --idle-conns) IDLE_CONNS=${2:?} ;;
        --base-port) NEXT_PORT=${2:?} ;;
        --out) OUT_DIR=${2:?} ;;
        -h | --help) usage; exit 0 ;;
        *) SHIFT=0 ;;
    esac
}

# Parses the whole command line: the script's own options through script_option (which sets SHIFT like
# common_option), then the common ones.
parse_options() {
    while (($#)); do
        SHIFT=0
        if declare -F script_option >/dev/null; then script_option "$@"; fi
        ((SHIFT)) || common_option "$@"
        ((SHIFT)) || { usage >&2; die "unknown option $1"; }
        shift "$SHIFT"
    done
}

# Checks the common numbers and any extra ones given.
check_numbers() {
    local n
    for n in "$ROUNDS" "$DURATION" "$WORKERS" "$IDLE_CONNS" "$NEXT_PORT" "$@"; do
        [[ $n =~ ^[1-9][0-9]*$ ]] || die "expected a positive whole number, got '$n'"
    done
    [[ $WARMUP =~ ^[0-9]+$ ]] || die "--warmup must be a whole number of seconds, got '$WARMUP'"
}

# Finds the JDK and the jar: JAVA, JCMD, JAR, JAVA_VERSION, JAVA_FEATURE; then JVM_FLAGS, the same for every
# JVM, server or client: the heap, G1 (named because the JVM would pick Serial on a machine it does not consider
# server-class), the arguments given, and on JDK 24+ the Unsafe flag, which only silences Netty's and JMH's
# warning.
setup_java() {
    JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
    JAVA=$JAVA_HOME/bin/java
    JCMD=$JAVA_HOME/bin/jcmd
    JAR=$ROOT/perf/net/target/net-benchmarks.jar
    [[ -x $JAVA ]] || die "no java at $JAVA (set JAVA_HOME)"
    [[ -x $JCMD ]] || die "no jcmd at $JCMD (JAVA_HOME must be a JDK)"
    [[ -f $JAR ]] || die "no $JAR: build first with ./mvnw -B -o -q -pl perf/net -am package -DskipTests"
    JAVA_VERSION=$("$JAVA" -version 2>&1 | head -1)
    JAVA_FEATURE=$("$JAVA" -XshowSettings:properties -version 2>&1 \
        | awk -F'= ' '/java.specification.version/ {print $2}')
    ((JAVA_FEATURE >= 21)) || die "need JDK >= 21, $JAVA is $JAVA_FEATURE"
    JVM_FLAGS=(-Xms256m -Xmx1g -XX:+UseG1GC "$@")
    ((JAVA_FEATURE >= 24)) && JVM_FLAGS+=(--sun-misc-unsafe-memory-access=allow)
    # Extra flags for every JVM of the run (a profiler, a system property), split on spaces.
    if [[ -n ${SPINDLE_PERF_JVM_FLAGS:-} ]]; then
        read -r -a extra <<<"$SPINDLE_PERF_JVM_FLAGS"
        JVM_FLAGS+=("${extra[@]}")
    fi
    JAR_LIST=$("$JAVA_HOME/bin/jar" tf "$JAR")
}

# Dies unless every main class given is in the jar; the last argument says what to do about it.
require_in_jar() {
    local hint=${!#} m
    for m in "${@:1:$#-1}"; do
        grep -qx "${m//.//}.class" <<<"$JAR_LIST" || die "$m is not in $JAR$hint"
    done
}

# KINDS from KINDS_ARG, each one of the kinds given.
select_kinds() {
    local k known
    IFS=, read -r -a KINDS <<<"$KINDS_ARG"
    for k in "${KINDS[@]}"; do
        for known in "$@"; do [[ $k == "$known" ]] && continue 2; done
        printf -v known '%s, ' "$@"
        die "unknown kind $k (${known%, })"
    done
}

# SHAPES from ALL_SHAPES and SHAPES_ARG (ids or prefixes), in ALL_SHAPES' order.
select_shapes() {
    local s w wanted
    SHAPES=()
    if [[ -z $SHAPES_ARG ]]; then
        SHAPES=("${ALL_SHAPES[@]}")
        return
    fi
    IFS=, read -r -a wanted <<<"$SHAPES_ARG"
    for s in "${ALL_SHAPES[@]}"; do
        for w in "${wanted[@]}"; do
            if [[ $s == "$w" || $s == "$w"-* ]]; then SHAPES+=("$s"); break; fi
        done
    done
    ((${#SHAPES[@]})) || die "--shapes $SHAPES_ARG matches none of: ${ALL_SHAPES[*]}"
}

# 10,000 idle connections need as many descriptors in the client and in the server.
raise_open_files() {
    local s
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    NOFILE=$(ulimit -n)
    for s in "${SHAPES[@]}"; do
        if [[ $s == *idle-* ]] && [[ $NOFILE != unlimited ]] && ((NOFILE < IDLE_CONNS + 200)); then
            die "open-file limit $NOFILE is too low for $IDLE_CONNS idle connections (raise the hard limit)"
        fi
    done
}

# The result files, named PREFIX-STAMP.tsv and .md in OUT_DIR, and a log directory.
open_results() { # prefix
    CLK_TCK=$(getconf CLK_TCK)
    STAMP=$(date +%Y%m%d-%H%M%S)
    mkdir -p "$OUT_DIR" || die "cannot create $OUT_DIR"
    RAW=$OUT_DIR/$1-$STAMP.tsv
    REPORT=$OUT_DIR/$1-$STAMP.md
    LOGS=$(mktemp -d "${TMPDIR:-/tmp}/spindle-$1-$STAMP.XXXX")
    : >"$RAW"
}

# Processes this script started, so an interrupted run leaves nothing behind (only these pids are killed).
STARTED=()
cleanup() {
    for pid in "${STARTED[@]}"; do
        kill -KILL "$pid" 2>/dev/null
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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

# Starts the server SERVER (its main class, then its own arguments) and waits for its "listening on" line; a
# server that exits first (port taken) is retried on the next port. Sets SERVER_PID, SERVER_PORT, SERVER_LOG.
start_server() { # tag
    local attempt port line
    for attempt in 1 2 3 4 5; do
        port=$NEXT_PORT
        NEXT_PORT=$((NEXT_PORT + 1))
        SERVER_LOG=$LOGS/$1.server.$port.log
        "$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" "${SERVER[0]}" --host 127.0.0.1 --port "$port" --workers "$WORKERS" \
            "${SERVER[@]:1}" >"$SERVER_LOG" 2>&1 &
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
        log "server ${SERVER[0]} did not start on port $port (attempt $attempt): $(tail -3 "$SERVER_LOG" | tr '\n' ' ')"
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

# Starts SERVER and runs a load client against it: the client command given, plus --host, --port, --duration and
# --warmup. The client prints "WINDOW start" / "WINDOW end" at the edges of its measured window; the server's CPU
# time is sampled as each line arrives, so warm-up and connection set-up stay out of the figure. Every client
# ends with a RESULT line of key=value pairs (rps, p50_us, p99_us, errors, client_cpu_pct; TLS clients add
# protocol and cipher, handshake clients count handshakes and add full_pct).
run_load() { # shape kind round client-command...
    local shape=$1 kind=$2 round=$3 tag=$1.$2.r$3
    shift 3
    start_server "$tag" || { fail "$shape" "$kind" "$round" "server did not start"; return; }
    local c0= c1= t0= t1= result= line out=$LOGS/$tag.client.txt
    while IFS= read -r line; do
        case $line in
            "WINDOW start"*) cpu_ticks "$SERVER_PID"; c0=$TICKS; t0=$EPOCHREALTIME ;;
            "WINDOW end"*) cpu_ticks "$SERVER_PID"; c1=$TICKS; t1=$EPOCHREALTIME ;;
            RESULT*) result=$line ;;
        esac
        echo "$line" >>"$out"
    done < <("$@" --host 127.0.0.1 --port "$SERVER_PORT" --duration "$DURATION" --warmup "$WARMUP" 2>>"$out")
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
    local unit=req
    [[ -n ${r[handshakes]:-} ]] && unit=handshakes
    log "$shape $kind round $round: ${r[rps]} $unit/s, p50 ${r[p50_us]} us, p99 ${r[p99_us]} us, errors ${r[errors]}" \
        "${r[protocol]:+(${r[protocol]} ${r[cipher]}${r[full_pct]:+, full handshakes ${r[full_pct]} %})}"
}

# Idle connections: starts SERVER, samples its RSS and live heap after a full GC, opens the connections with the
# holder command given (plus --host, --port, --connections and --hold 0), and once they are open samples the
# server's CPU over DURATION seconds, then RSS and heap again after a full GC.
run_idle() { # shape kind round conns holder-command...
    local shape=$1 kind=$2 round=$3 conns=$4 tag=$1.$2.r$3
    shift 4
    start_server "$tag" || { fail "$shape" "$kind" "$round" "server did not start"; return; }
    sleep 1
    gc_run "$SERVER_PID"
    local r0 h0 r1 h1 c0 c1 t0 t1 out=$LOGS/$tag.idle.txt
    r0=$(rss_kb "$SERVER_PID"); h0=$(heap_used_kb "$SERVER_PID")
    "$@" --host 127.0.0.1 --port "$SERVER_PORT" --connections "$conns" --hold 0 >"$out" 2>&1 &
    local client=$!
    STARTED+=("$client")
    local waited=0
    # The whole line, not just its start: the script may read the file while the line is being written.
    while ! grep -q "^OPEN connections=[0-9]* failures=[0-9]* seconds=" "$out" 2>/dev/null; do
        if ! kill -0 "$client" 2>/dev/null || ((waited > ${IDLE_OPEN_LIMIT_S:-300} * 10)); then
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

# Every shape, every kind, every round, through the script's run_shape(shape kind round).
run_rounds() {
    local round shape kind i runs=$((${#SHAPES[@]} * ${#KINDS[@]} * ROUNDS))
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
}

# The report's first lines: its title, the machine and the JDK.
report_machine() { # title
    echo "## $1, run of $(date '+%Y-%m-%d %H:%M %Z')"
    echo
    echo "- machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)," \
        "$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r)"
    echo "- JDK: $JAVA_VERSION ($JAVA)"
    # Servers that park between requests pay this per request at low concurrency; compare reports only if it
    # agrees (see WakeLatencyProbe).
    local wake
    wake=$("$JAVA" -cp "$JAR" dev.spindle.perf.net.WakeLatencyProbe 2>/dev/null)
    echo "- idle thread wake-up latency (WakeLatencyProbe, µs): ${wake:-probe failed}"
}

# The commit, the command line and the run's settings.
report_run() {
    if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
        local dirty subject
        dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no | head -1)
        subject=$(git -C "$ROOT" log -1 --format="%h %s" | cut -c1-100)
        echo "- Spindle commit: $subject${dirty:+ (with uncommitted changes)}"
    fi
    echo "- command: \`perf/net/$SCRIPT_NAME ${ORIG_ARGS[*]}\`"
    echo "- $ROUNDS round(s); each run: a fresh server JVM, ${WARMUP} s warm-up load, ${DURATION} s measured;" \
        "servers with --workers $WORKERS; every JVM: \`${JVM_FLAGS[*]}\`"
}

# The tables, with a row for each of the kinds given (comma-separated, in table order).
report_tables() { # kinds
    echo "- raw results: $(basename "$RAW"); logs: $LOGS"
    "$JAVA" -Dstdout.encoding=UTF-8 -cp "$JAR" dev.spindle.perf.net.NetReport "$RAW" "$1"
}
