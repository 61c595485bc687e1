"""Connection churn against a QUIC server on loopback, for memory tests of moq-relay.

  conn_churn.py PORT handshake N    N full handshakes (10 at a time), each closed at once
  conn_churn.py PORT junk N         N Initials no key opens (random payload, v1 header)
  conn_churn.py PORT halfopen N     N real first Initials whose handshakes are never continued

Prints one line: the mode, how many were sent, how many succeeded (handshakes only).
"""
import asyncio
import os
import socket
import ssl
import sys
import time

from aioquic.asyncio import connect
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import QuicConnection

ALPN = "moqt-18"


def client_configuration():
    cfg = QuicConfiguration(is_client=True, alpn_protocols=[ALPN])
    cfg.verify_mode = ssl.CERT_NONE
    return cfg


async def handshakes(port, n):
    async def one():
        async with connect("127.0.0.1", port, configuration=client_configuration()) as c:
            await c.ping()

    ok = 0
    for _ in range(0, n, 10):
        results = await asyncio.gather(*[one() for _ in range(10)], return_exceptions=True)
        ok += sum(1 for r in results if not isinstance(r, Exception))
    return ok


def junk(port, n):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(n):
        dcid = os.urandom(8 + i % 13)
        datagram = bytes([0xC3, 0, 0, 0, 1, len(dcid)]) + dcid + bytes([0, 0, 0x44, 0xB0]) + os.urandom(1200)
        sock.sendto(datagram, ("127.0.0.1", port))
        if i % 200 == 199:
            time.sleep(0.01)
    return 0


def halfopen(port, n):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(n):
        conn = QuicConnection(configuration=client_configuration())
        conn.connect(("127.0.0.1", port), now=time.time())
        for data, addr in conn.datagrams_to_send(now=time.time()):
            sock.sendto(data, ("127.0.0.1", port))
        if i % 100 == 99:
            time.sleep(0.01)
    return 0


def main():
    port, mode, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    if mode == "handshake":
        ok = asyncio.run(handshakes(port, n))
    elif mode == "junk":
        ok = junk(port, n)
    elif mode == "halfopen":
        ok = halfopen(port, n)
    else:
        sys.exit(f"unknown mode {mode}")
    print(f"{mode} sent={n} ok={ok}")


if __name__ == "__main__":
    main()
