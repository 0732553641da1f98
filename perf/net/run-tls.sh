#!/usr/bin/env bash
# TLS network benchmarks: Spindle's TLS echo server (TlsAcceptor + TlsStream, JDK and BoringSSL engines) against
# Netty's SslHandler (JDK provider) and a blocking SSLServerSocket with a virtual thread per connection, each in
# its own JVM with the same flags, loaded by the same clients in one run: 16 KiB TLS echo at 1 and 64
# connections, full handshakes per second, and resident memory per idle TLS connection. See perf/README.md,
# section "TLS benchmarks". What this script shares with run.sh is in common.sh.

set -uo pipefail
export LC_ALL=C

usage() {
    usage_common
    cat <<'USAGE'
  --shapes LIST         comma-separated shape ids or prefixes (default: all), e.g. tls-echo,tls-handshakes
                        shapes: tls-echo-c1-16384 tls-echo-c64-16384 tls-handshakes tls-idle-N
  --protocol P          TLSv1.3 (default) or TLSv1.2, the one version servers and clients enable
  --handshake-client C  python (default: OpenSSL through python3's ssl module) or java (HandshakeLoad)
  --hs-concurrency N    concurrent connections of the handshake load (default 16)
  --cert-dir DIR        benchmark certificate, made there once if missing (default perf/net/target/tls-cert)
  -h, --help            this text

Environment: JAVA_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64). On shared machines wrap the whole run in
the build lock:
  flock /tmp/spindle-build.lock perf/net/run-tls.sh --quick
USAGE
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ORIG_ARGS=("$@")
ALL_KINDS=spindle-jdk,spindle-boringssl,netty-jdk,blocking-vt
ROUNDS=2
DURATION=10
# Long enough for C2: under full load on two cores, the server JVMs compiled the JDK's AES-GCM record path with C2
# (and its combined GCM intrinsic) only 8-10 s after start; before that it runs C1 code at about half the speed,
# which made 5-s warm-ups measure the JIT's progress more than the server (perf/README.md, "TLS results").
WARMUP=15
KINDS_ARG=$ALL_KINDS
WORKERS=2
IDLE_CONNS=10000
QUICK_IDLE_CONNS=1000
# Every idle connection is a full handshake, so opening 10,000 takes a minute or more on two cores.
IDLE_OPEN_LIMIT_S=600
NEXT_PORT=19000
OUT_DIR=$ROOT/perf/net/results
PROTOCOL=TLSv1.3
HS_CLIENT=python
HS_CONCURRENCY=16
CERT_DIR=$ROOT/perf/net/target/tls-cert
# shellcheck source=perf/net/common.sh
source "$ROOT/perf/net/common.sh"

script_option() {
    SHIFT=2
    case $1 in
        --protocol) PROTOCOL=${2:?} ;;
        --handshake-client) HS_CLIENT=${2:?} ;;
        --hs-concurrency) HS_CONCURRENCY=${2:?} ;;
        --cert-dir) CERT_DIR=${2:?} ;;
        *) SHIFT=0 ;;
    esac
}

parse_options "$@"
check_numbers "$HS_CONCURRENCY"
case $PROTOCOL in TLSv1.3 | TLSv1.2) ;; *) die "--protocol must be TLSv1.3 or TLSv1.2, got '$PROTOCOL'" ;; esac
case $HS_CLIENT in python | java) ;; *) die "--handshake-client must be python or java, got '$HS_CLIENT'" ;; esac
# Native access for every JVM: the BoringSSL engine (Conscrypt) loads a JNI library, which JDK 24+ warns about
# unless allowed; the other kinds get the flag too, so all run alike.
setup_java --enable-native-access=ALL-UNNAMED
IFS=, read -r -a all_kinds <<<"$ALL_KINDS"
select_kinds "${all_kinds[@]}"

ALL_SHAPES=(tls-echo-c1-16384 tls-echo-c64-16384 tls-handshakes "tls-idle-$IDLE_CONNS")
select_shapes

server_cmd() { # kind -> SERVER: main class and its own arguments
    case $1 in
        spindle-jdk) SERVER=(dev.spindle.examples.net.TlsEchoServer --engine jdk) ;;
        spindle-boringssl) SERVER=(dev.spindle.examples.net.TlsEchoServer --engine boringssl) ;;
        netty-jdk) SERVER=(dev.spindle.perf.servers.tls.NettyTlsEchoServer) ;;
        blocking-vt) SERVER=(dev.spindle.perf.servers.tls.BlockingTlsEchoServer) ;;
    esac
    SERVER+=(--cert-dir "$CERT_DIR" --protocol "$PROTOCOL")
}

# Every main must be in the jar; a missing one is named here instead of failing each run.
require_in_jar dev.spindle.perf.servers.tls.MakeCert dev.spindle.perf.net.tls.TlsEchoLoad \
    dev.spindle.perf.net.tls.HandshakeLoad dev.spindle.perf.net.tls.TlsIdleConnections \
    dev.spindle.perf.net.NetReport ": rebuild"
for k in "${KINDS[@]}"; do
    server_cmd "$k"
    require_in_jar "${SERVER[0]}" " (kind $k): rebuild, or leave the kind out"
done

NEED_HS=0
for s in "${SHAPES[@]}"; do [[ $s == tls-handshakes ]] && NEED_HS=1; done
if ((NEED_HS)) && [[ $HS_CLIENT == python ]] && ! python3 -c 'import ssl' 2>/dev/null; then
    die "python3 with its ssl module is missing (or use --handshake-client java)"
fi

raise_open_files

# The benchmark certificate: ECDSA P-256, self-signed for localhost and 127.0.0.1, made once and then reused.
"$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" dev.spindle.perf.servers.tls.MakeCert --dir "$CERT_DIR" >/dev/null \
    || die "cannot make the certificate"
TLS_ARGS=(--cert-dir "$CERT_DIR" --protocol "$PROTOCOL")

open_results tls

CLIENT=("$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR")
if [[ $HS_CLIENT == python ]]; then
    HS_CMD=(python3 "$ROOT/perf/net/tls-handshakes.py")
else
    HS_CMD=("${CLIENT[@]}" dev.spindle.perf.net.tls.HandshakeLoad)
fi

run_shape() { # shape kind round
    local shape=$1 rest
    server_cmd "$2"
    case $shape in
        tls-echo-c*)
            rest=${shape#tls-echo-c}
            run_load "$shape" "$2" "$3" "${CLIENT[@]}" dev.spindle.perf.net.tls.TlsEchoLoad "${TLS_ARGS[@]}" \
                --client engine --connections "${rest%-*}" --size "${rest#*-}"
            ;;
        tls-handshakes)
            run_load "$shape" "$2" "$3" "${HS_CMD[@]}" "${TLS_ARGS[@]}" --concurrency "$HS_CONCURRENCY"
            ;;
        tls-idle-*)
            # Against the echo server, each connection after a full handshake and a 1-byte echo.
            run_idle "$shape" "$2" "$3" "${shape#tls-idle-}" "${CLIENT[@]}" \
                dev.spindle.perf.net.tls.TlsIdleConnections "${TLS_ARGS[@]}"
            ;;
    esac
}

run_rounds

{
    report_machine "TLS benchmarks"
    if ((NEED_HS)) && [[ $HS_CLIENT == python ]]; then
        echo "- handshake client: $(python3 --version 2>&1), $(python3 -c 'import ssl; print(ssl.OPENSSL_VERSION)')"
    fi
    report_run
    echo "- $PROTOCOL only; certificate ECDSA P-256 (self-signed, $CERT_DIR); clients offer x25519 and" \
        "AES-128-GCM only; no session resumption"
    echo "- echo load: TlsEchoLoad (one thread, an SSLEngine per connection, 16 KiB messages, closed loop);" \
        "handshakes: $HS_CONCURRENCY concurrent, connect + full handshake + 1-byte echo + reset, client" \
        "$HS_CLIENT; server CPU is utime+stime from /proc/PID/stat over the measured window, in % of one core"
    echo "- idle: $IDLE_CONNS TLS connections to the echo server, each after a full handshake and a 1-byte echo;" \
        "RSS (VmRSS) and live heap (GC.heap_info) sampled after \`jcmd PID GC.run\`, before opening and after" \
        "the ${DURATION} s CPU window; B/conn = (after - before) / connections"
    report_tables "$ALL_KINDS"
} >"$REPORT"
cat "$REPORT"
log "report: $REPORT"
