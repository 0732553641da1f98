#!/usr/bin/env python3
"""Full TLS handshakes per second, with OpenSSL as the client (through CPython's ssl module).

The handshake load of perf/net/run-tls.sh. Same protocol, window and output as the Java client
dev.spindle.perf.net.tls.HandshakeLoad, at about a third of its CPU per handshake on the benchmark machine
(~1.0 ms against ~2.8 ms: the JDK's ECDSA P-256 verification alone takes ~1.1 ms there), which matters
because the client shares the two cores with the server. See perf/README.md, "TLS benchmarks".

--concurrency connections at a time, each in a loop of: connect, full handshake, one byte sent and read
back, close with a reset (SO_LINGER 0: no TIME_WAIT left by tens of thousands of connections); a new
connection as soon as one closes, all on one thread with a selector.

- Full handshakes only: no session is ever handed to a connection, so OpenSSL offers no resumption; each
  connection's session_reused is checked, and full_pct in the result is the share of handshakes that were
  full (anything below 100 is counted as an error).
- The server's side is complete: a handshake counts only once the server has echoed the byte sent after it,
  which it can decrypt only after processing the client's Finished. (openssl s_time is not used: it closes
  right after its Finished, and on loopback the server then often gets the reset before it has read the
  Finished, so about half of its "handshakes" were never completed by the server.)
- The server's certificate is verified against --cert-dir/cert.pem (host name not checked: the pin is the
  identity). The client offers one cipher suite (AES-128-GCM-SHA256) and one key share (X25519), as the Java
  clients do, through an OpenSSL configuration file this script writes and names in OPENSSL_CONF before it
  loads the ssl module; the negotiated suite is printed in the result.

Output: "WINDOW start" / "WINDOW end" at the edges of the measured window (--warmup s after the start, then
--duration s), then one line:
  RESULT concurrency=16 protocol=TLSv1.3 cipher=TLS_AES_128_GCM_SHA256 duration_s=10.000 handshakes=...
         rps=... p50_us=... p90_us=... p99_us=... p999_us=... max_us=... errors=0 full_pct=100.0
         client_cpu_pct=...
(rps is handshakes per second, named as in the echo results so the driver parses both alike).
"""

import argparse
import errno
import os
import resource
import selectors
import socket
import struct
import sys
import tempfile
import time

# OpenSSL reads its configuration once, when the ssl module loads it: the client's one TLS 1.3 suite and its
# groups go in a file named by OPENSSL_CONF before the import (the ssl module has no call for TLS 1.3 suites or
# groups). OpenSSL sends a key share for the first group only (X25519); P-256 is listed for TLS 1.2, where the
# groups also say which curves the server's ECDSA key may be on.
_CONF = tempfile.NamedTemporaryFile("w", prefix="tls-handshakes-", suffix=".cnf", delete=False)
_CONF.write("""openssl_conf = spindle_bench
[spindle_bench]
ssl_conf = spindle_ssl
[spindle_ssl]
system_default = spindle_client
[spindle_client]
Ciphersuites = TLS_AES_128_GCM_SHA256
Groups = X25519:P-256
""")
_CONF.close()
os.environ["OPENSSL_CONF"] = _CONF.name
import ssl  # noqa: E402  (after OPENSSL_CONF, on purpose)
os.unlink(_CONF.name)

PROBE = b"h"
LINGER_RESET = struct.pack("ii", 1, 0)


def parse_args():
    p = argparse.ArgumentParser(description="Full TLS handshakes per second (OpenSSL client).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert-dir", required=True, help="holds cert.pem, the server certificate to trust")
    p.add_argument("--protocol", default="TLSv1.3", choices=["TLSv1.3", "TLSv1.2"])
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--warmup", type=float, default=3)
    a = p.parse_args()
    if a.concurrency < 1 or a.duration <= 0 or a.warmup < 0:
        p.error("--concurrency must be >= 1, --duration > 0, --warmup >= 0")
    return a


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def percentile(sorted_values, pct):
    if not sorted_values:
        return 0.0
    i = min(len(sorted_values) - 1, max(0, int(round(pct / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[i] / 1e3


class Conn:
    __slots__ = ("raw", "tls", "started", "state")


class Load:
    def __init__(self, args):
        self.address = (args.host, args.port)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(os.path.join(args.cert_dir, "cert.pem"))
        ctx.check_hostname = False
        version = ssl.TLSVersion.TLSv1_3 if args.protocol == "TLSv1.3" else ssl.TLSVersion.TLSv1_2
        ctx.minimum_version = version
        ctx.maximum_version = version
        if args.protocol == "TLSv1.2":
            ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
        self.ctx = ctx
        self.sel = selectors.DefaultSelector()
        self.window_start = 0
        self.window_end = 0
        self.latencies = []
        self.completed = 0
        self.resumed = 0
        self.errors = 0
        self.first_error = None
        self.protocol = "-"
        self.cipher = "-"

    def error(self, why):
        self.errors += 1
        if self.first_error is None:
            self.first_error = why

    def begin(self):
        c = Conn()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            c.raw, c.tls, c.state = s, None, 0
            c.started = time.perf_counter_ns()
            rc = s.connect_ex(self.address)
            if rc not in (0, errno.EINPROGRESS):
                raise OSError(rc, os.strerror(rc))
            self.sel.register(s, selectors.EVENT_WRITE, c)
        except OSError as e:
            s.close()
            self.error("cannot open a connection: %s" % e)

    def end(self, c):
        self.sel.unregister(c.raw)
        (c.tls or c.raw).close()

    def step(self, c):
        """Goes as far as the connection can; on the echo, records it and starts the next connection."""
        try:
            if c.state == 0:
                err = c.raw.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(err, os.strerror(err))
                c.tls = self.ctx.wrap_socket(c.raw, do_handshake_on_connect=False)
                c.state = 1
            if c.state == 1:
                c.tls.do_handshake()
                c.tls.send(PROBE)
                c.state = 2
            if c.state == 2:
                b = c.tls.recv(1)
                if b != PROBE:
                    raise OSError("closed by the server before the echo" if not b else "wrong echo %r" % b)
        except ssl.SSLWantReadError:
            self.sel.modify(c.raw, selectors.EVENT_READ, c)
            return
        except ssl.SSLWantWriteError:
            self.sel.modify(c.raw, selectors.EVENT_WRITE, c)
            return
        except (OSError, ValueError) as e:
            self.error(str(e))
            self.end(c)
            self.begin()
            return
        now = time.perf_counter_ns()
        self.completed += 1
        if c.tls.session_reused:
            self.resumed += 1
        if self.window_start <= now < self.window_end:
            self.latencies.append(now - c.started)
        if self.completed == 1:
            self.protocol = c.tls.version()
            self.cipher = c.tls.cipher()[0]
        self.end(c)
        if now < self.window_end:
            self.begin()


def main():
    args = parse_args()
    load = Load(args)
    start = time.perf_counter_ns()
    load.window_start = start + int(args.warmup * 1e9)
    load.window_end = load.window_start + int(args.duration * 1e9)
    for _ in range(args.concurrency):
        load.begin()
    cpu0 = cpu1 = wall0 = wall1 = None
    while True:
        now = time.perf_counter_ns()
        if cpu0 is None and now >= load.window_start:
            cpu0, wall0 = cpu_seconds(), now
            print("WINDOW start", flush=True)
        if now >= load.window_end:
            cpu1, wall1 = cpu_seconds(), now
            print("WINDOW end", flush=True)
            break
        edge = load.window_start if cpu0 is None else load.window_end
        for key, _ in load.sel.select(max(0.001, min(0.05, (edge - now) / 1e9))):
            load.step(key.data)
    for key in list(load.sel.get_map().values()):
        load.end(key.data)

    if load.first_error:
        print("first error: %s" % load.first_error, file=sys.stderr)
    full_pct = 100.0 * (load.completed - load.resumed) / load.completed if load.completed else 0.0
    errors = load.errors + (1 if load.resumed else 0)
    if load.resumed:
        print("resumed handshakes: %d of %d" % (load.resumed, load.completed), file=sys.stderr)
    lat = sorted(load.latencies)
    print("RESULT concurrency=%d protocol=%s cipher=%s duration_s=%.3f handshakes=%d rps=%.1f p50_us=%.1f"
          " p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f errors=%d full_pct=%.1f client_cpu_pct=%.1f"
          % (args.concurrency, load.protocol, load.cipher, args.duration, len(lat), len(lat) / args.duration,
             percentile(lat, 50), percentile(lat, 90), percentile(lat, 99), percentile(lat, 99.9),
             (lat[-1] / 1e3 if lat else 0.0), errors, full_pct,
             100.0 * (cpu1 - cpu0) / ((wall1 - wall0) / 1e9)), flush=True)


if __name__ == "__main__":
    main()
