#!/usr/bin/env python3
"""UDP probe for the namespace tests of scripts/netem/impair.sh.

  udp-probe.py recv ADDR PORT [--idle S]          count datagrams until S seconds pass with none
                                                  (after the first); prints JSON {packets, bytes, first, last}
  udp-probe.py send ADDR PORT --count N --size B [--pps R]
                                                  send N datagrams of B bytes, paced at R per second
                                                  (0 = as fast as possible); prints JSON {packets, seconds}
"""
import argparse, json, socket, sys, time

p = argparse.ArgumentParser()
p.add_argument("mode", choices=["recv", "send"])
p.add_argument("addr")
p.add_argument("port", type=int)
p.add_argument("--idle", type=float, default=1.0)
p.add_argument("--count", type=int, default=1000)
p.add_argument("--size", type=int, default=200)
p.add_argument("--pps", type=float, default=0)
p.add_argument("--ready", help="file to create once the socket is bound")
a = p.parse_args()
fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)

if a.mode == "recv":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((a.addr, a.port))
    if a.ready:
        open(a.ready, "w").close()
    n = nbytes = 0
    first = last = None
    s.settimeout(30)  # the sender must start within 30 s
    while True:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        now = time.monotonic()
        if first is None:
            first = now
            s.settimeout(a.idle)
        last = now
        n += 1
        nbytes += len(data)
    print(json.dumps({"packets": n, "bytes": nbytes, "seconds": (last - first) if first else 0}))
else:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    payload = bytes(a.size)
    t0 = time.monotonic()
    sent = 0
    for i in range(a.count):
        if a.pps:
            delay = t0 + i / a.pps - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        try:
            s.sendto(payload, (a.addr, a.port))
            sent += 1
        except BlockingIOError:
            pass
    print(json.dumps({"packets": sent, "seconds": time.monotonic() - t0}))
