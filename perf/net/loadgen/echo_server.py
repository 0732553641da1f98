#!/usr/bin/env python3
"""A trivial echo server for perf/net/loadgen/selftest.sh: one thread, non-blocking sockets, a selector.

    echo_server.py [--mode echo|corrupt|close|reset] [--after N]

Listens on 127.0.0.1 on a free port and prints "listening on 127.0.0.1:PORT" (as the benchmark servers do).
--mode echo sends every byte back. The other modes misbehave once a connection has received --after bytes
(default 1000, well past the load generator's one-byte probe): corrupt flips one byte of the echo, close closes
the connection (the client sees EOF), reset closes it with SO_LINGER 0 (the client sees a reset). Runs until
killed.
"""
import argparse
import selectors
import socket
import struct

p = argparse.ArgumentParser()
p.add_argument("--mode", choices=["echo", "corrupt", "close", "reset"], default="echo")
p.add_argument("--after", type=int, default=1000)
args = p.parse_args()

sel = selectors.DefaultSelector()
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(128)
listener.setblocking(False)
sel.register(listener, selectors.EVENT_READ)
print(f"listening on 127.0.0.1:{listener.getsockname()[1]}", flush=True)

received = {}  # socket -> bytes received so far
pending = {}   # socket -> bytes not yet written back


def close(s, reset=False):
    if reset:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sel.unregister(s)
    received.pop(s, None)
    pending.pop(s, None)
    s.close()


def flush(s):
    try:
        n = s.send(pending[s])
    except BlockingIOError:
        n = 0
    except OSError:
        close(s)
        return
    pending[s] = pending[s][n:]
    sel.modify(s, selectors.EVENT_READ | (selectors.EVENT_WRITE if pending[s] else 0))


while True:
    for key, events in sel.select():
        s = key.fileobj
        if s is listener:
            try:
                c, _ = listener.accept()
            except BlockingIOError:
                continue
            c.setblocking(False)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            received[c] = 0
            pending[c] = b""
            sel.register(c, selectors.EVENT_READ)
            continue
        if events & selectors.EVENT_WRITE:
            flush(s)
            if s not in pending:
                continue
        if events & selectors.EVENT_READ:
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                close(s)
                continue
            if not data:
                close(s)
                continue
            before = received[s]
            received[s] += len(data)
            if received[s] > args.after and args.mode != "echo":
                if args.mode in ("close", "reset"):
                    close(s, reset=args.mode == "reset")
                    continue
                if before <= args.after:  # corrupt: flip the one byte that crosses the line
                    i = args.after - before
                    data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
            pending[s] += data
            flush(s)
