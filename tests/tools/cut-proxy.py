#!/usr/bin/env python3
"""cut-proxy.py: a TCP proxy on 127.0.0.1 that cuts connections (tests only).

    cut-proxy.py --target PORT --port-file FILE [--seed N] [--cut 0.6]
                 [--max-bytes 6000] [--cut-match TEXT [--match-skip N]
                 [--match-count N]] [--log FILE]

Listens on a free port of 127.0.0.1 (written to --port-file once it
accepts) and forwards every connection to 127.0.0.1:--target. Each
connection, in the order they are accepted, draws from one seeded random
generator: with probability --cut it is cut once a random number of bytes
(0 to --max-bytes, counted over both directions) has gone through, either
by a reset (SO_LINGER 0, so the kernel sends RST) or by a plain close; the
other connections pass untouched. --cut-match TEXT also resets, without
forwarding it, the first chunk the client sends in which TEXT appears (e.g.
" refs/heads/main" cuts every push of main before the server sees its
command, and nothing else); --match-skip N lets the first N connections
that match through, --match-count N cuts only N of them. The seed is printed on stdout (and is
random unless given) so that a failing run can be repeated. --log gets one
line per connection: number, decision, bytes forwarded. Stop it by its pid.
"""
import argparse
import os
import random
import select
import socket
import struct
import sys
import threading


def cut(sock, reset):
    """Close sock, with an RST instead of a FIN when reset."""
    try:
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


def relay(client, upstream, limit, match, gate):
    """Forward both ways until either side closes, limit bytes (None: no
    limit) have gone through or the client sends match (None: never) and
    gate() says to cut; returns (bytes forwarded, whether it stopped on
    the limit or a match)."""
    done = 0
    peers = {client: upstream, upstream: client}
    tail = b""  # the client's last bytes, for a match across chunks
    while True:
        try:
            readable, _, _ = select.select(list(peers), [], [], 30)
        except (OSError, ValueError):
            return done
        if not readable:
            return done, False
        for src in readable:
            want = 65536 if limit is None else min(65536, limit - done)
            if want <= 0:
                return done, True
            try:
                data = src.recv(want)
            except OSError:
                return done, False
            if not data:
                return done, False
            if match and src is client:
                if match in tail + data:
                    if gate():
                        return done, True
                    match = None  # let through: forward the rest as it is
                else:
                    tail = (tail + data)[-len(match):]
            try:
                peers[src].sendall(data)
            except OSError:
                return done, False
            done += len(data)
            if limit is not None and done >= limit:
                return done, True


def serve(number, client, args, plan, log, gate):
    limit, reset = plan
    try:
        upstream = socket.create_connection(("127.0.0.1", args.target), 10)
        upstream.settimeout(None)
    except OSError as e:
        log("%d upstream-failed %s" % (number, e))
        cut(client, True)
        return
    done, stopped = relay(client, upstream, limit, args.cut_match, gate)
    if stopped:
        reset = reset or limit is None  # a match is cut with a reset
        log("%d cut %s after %d bytes" % (number, "reset" if reset else "close", done))
        cut(client, reset)
        cut(upstream, reset)
    else:
        log("%d passed %d bytes" % (number, done))
        cut(client, False)
        cut(upstream, False)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--target", type=int, required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--cut", type=float, default=0.6, help="share of connections cut")
    p.add_argument("--max-bytes", type=int, default=6000)
    p.add_argument("--cut-match", default=None, type=lambda t: t.encode())
    p.add_argument("--match-skip", type=int, default=0)
    p.add_argument("--match-count", type=int, default=None)
    p.add_argument("--log", default=None)
    args = p.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    print("cut-proxy: seed %d" % seed, flush=True)
    rng = random.Random(seed)
    lock = threading.Lock()
    matched = [0]

    def gate():
        """Whether this match (counted over all connections) is cut."""
        with lock:
            matched[0] += 1
            k = matched[0] - args.match_skip
        return k >= 1 and (args.match_count is None or k <= args.match_count)

    def log(line):
        if args.log:
            with lock, open(args.log, "a") as f:
                f.write(line + "\n")

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.replace(tmp, args.port_file)
    number = 0
    while True:
        client, _ = srv.accept()
        number += 1
        # every draw happens here, in accept order: the seed fixes the plan
        if rng.random() < args.cut:
            plan = (rng.randint(0, args.max_bytes), rng.random() < 0.5)
        else:
            plan = (None, False)
        threading.Thread(target=serve, args=(number, client, args, plan, log, gate), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
