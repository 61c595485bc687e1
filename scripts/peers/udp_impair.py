#!/usr/bin/env python3
"""A UDP proxy that impairs traffic between a client and a server on loopback (this kernel has no netem).

    udp_impair.py --listen 127.0.0.1:0 --target 127.0.0.1:4433 [--loss PCT] [--loss-first N]
                  [--drop-first-n N] [--delay MS] [--reorder PCT] [--seed S] [--stats FILE]

Clients send to the listen address; each client address gets its own upstream socket towards the target,
so the server sees one address per client. Impairments apply to both directions independently:
  --loss PCT        drop each datagram with this probability (seeded random)
  --loss-first N    apply --loss only to the first N datagrams of each direction (e.g. only the handshake)
  --drop-first-n N  drop the first N datagrams of each direction unconditionally
  --delay MS        one-way delay added to every datagram (RTT grows by twice this)
  --reorder PCT     hold this share of datagrams back by an extra max(5 ms, delay/2), so later ones overtake
Prints "READY <port>" once listening; on SIGTERM/SIGINT prints counters (and writes them as JSON to --stats).
"""
import argparse
import asyncio
import json
import random
import signal
import sys


def parse_addr(text: str):
    host, _, port = text.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


class Direction:
    """Impairment state and counters of one direction (c2s or s2c)."""

    def __init__(self, name: str, args, rng: random.Random):
        self.name, self.args, self.rng = name, args, rng
        self.seen = self.forwarded = self.dropped = self.reordered = 0

    def decide(self):
        """Returns None to drop, else the delay in seconds before forwarding."""
        self.seen += 1
        a = self.args
        if self.seen <= a.drop_first_n:
            self.dropped += 1
            return None
        if a.loss > 0 and (a.loss_first == 0 or self.seen <= a.loss_first) and self.rng.random() * 100 < a.loss:
            self.dropped += 1
            return None
        delay = a.delay / 1000.0
        if a.reorder > 0 and self.rng.random() * 100 < a.reorder:
            self.reordered += 1
            delay += max(0.005, a.delay / 2000.0)
        self.forwarded += 1
        return delay

    def stats(self):
        return {"seen": self.seen, "forwarded": self.forwarded, "dropped": self.dropped, "reordered": self.reordered}


class Upstream(asyncio.DatagramProtocol):
    """The socket towards the server for one client."""

    def __init__(self, proxy, client_addr):
        self.proxy, self.client_addr, self.transport = proxy, client_addr, None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.proxy.forward(self.proxy.s2c, data, lambda d: self.proxy.listener.sendto(d, self.client_addr))


class Proxy(asyncio.DatagramProtocol):
    def __init__(self, args):
        rng = random.Random(args.seed)
        # Separate seeded streams per direction so one direction's traffic does not shift the other's pattern.
        self.c2s = Direction("c2s", args, random.Random(rng.random()))
        self.s2c = Direction("s2c", args, random.Random(rng.random()))
        self.args = args
        self.target = parse_addr(args.target)
        self.listener = None
        self.upstreams = {}
        self.pending = {}

    def connection_made(self, transport):
        self.listener = transport

    def datagram_received(self, data, addr):
        up = self.upstreams.get(addr)
        if up is None:
            queue = self.pending.setdefault(addr, [])
            queue.append(data)
            if len(queue) == 1:
                asyncio.get_running_loop().create_task(self.open_upstream(addr))
            return
        self.forward(self.c2s, data, lambda d: up.transport.sendto(d))

    async def open_upstream(self, addr):
        loop = asyncio.get_running_loop()
        _, up = await loop.create_datagram_endpoint(lambda: Upstream(self, addr), remote_addr=self.target)
        self.upstreams[addr] = up
        for data in self.pending.pop(addr, []):
            self.forward(self.c2s, data, lambda d: up.transport.sendto(d))

    def forward(self, direction: Direction, data: bytes, send):
        delay = direction.decide()
        if delay is None:
            return
        if delay <= 0:
            send(data)
        else:
            asyncio.get_running_loop().call_later(delay, send, data)

    def stats(self):
        return {"c2s": self.c2s.stats(), "s2c": self.s2c.stats()}


async def main() -> int:
    p = argparse.ArgumentParser(description="UDP impairment proxy (loss, delay, reordering) for loopback tests")
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--target", required=True)
    p.add_argument("--loss", type=float, default=0.0, help="loss percentage per datagram")
    p.add_argument("--loss-first", type=int, default=0, help="apply --loss only to the first N datagrams each way")
    p.add_argument("--drop-first-n", type=int, default=0, help="drop the first N datagrams each way")
    p.add_argument("--delay", type=float, default=0.0, help="one-way delay in ms")
    p.add_argument("--reorder", type=float, default=0.0, help="percentage of datagrams held back to be overtaken")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--stats", help="write counters as JSON here on exit")
    args = p.parse_args()
    for name in ("loss", "reorder"):
        if not 0 <= getattr(args, name) <= 100:
            p.error(f"--{name} must be a percentage")

    loop = asyncio.get_running_loop()
    proxy = Proxy(args)
    transport, _ = await loop.create_datagram_endpoint(lambda: proxy, local_addr=parse_addr(args.listen))
    print(f"READY {transport.get_extra_info('sockname')[1]}", flush=True)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    await stop
    stats = proxy.stats()
    print(f"udp_impair: {json.dumps(stats)}", file=sys.stderr, flush=True)
    if args.stats:
        with open(args.stats, "w") as f:
            json.dump(stats, f)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
