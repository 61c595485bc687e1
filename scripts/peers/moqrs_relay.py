"""moq-rs as a MoQ relay (origin server), for interop tests and the fan-out benchmark.

Usage: moqrs_relay.py PORT CERT KEY [HOST]   — listens on HOST:PORT (default 127.0.0.1; the benchmark
passes 0.0.0.0 inside its relay namespace), prints "READY PORT" once listening; runs until killed.
moq-rs offers every ALPN it knows; our endpoints offer moqt-18 only, so draft-18 is negotiated.
"""
import asyncio
import sys

import moq


async def main() -> None:
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    host = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
    moq.log_level("warn")
    async with moq.Server(f"{host}:{port}", tls_cert=[cert], tls_key=[key]) as server:
        print("READY", server.local_addr.rsplit(":", 1)[-1], flush=True)
        await server.serve()


asyncio.run(main())
