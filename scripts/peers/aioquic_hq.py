#!/usr/bin/env python3
"""An hq-interop (HTTP/0.9 over QUIC) peer built on aioquic, for interop tests of our QUIC stack.

Follows the quic-interop-runner endpoint conventions through environment variables:
ROLE=client|server, TESTCASE, REQUESTS (space-separated URLs), WWW, DOWNLOADS, CERTS (cert.pem, priv.key),
PORT (server, default 443), SSLKEYLOGFILE, QLOGDIR. Exit 127 for an unsupported test case.
The server prints "READY <port>" on stdout once it listens.
"""
import asyncio
import os
import ssl
import sys
from urllib.parse import urlparse

from aioquic.asyncio import QuicConnectionProtocol, connect, serve
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import ConnectionTerminated, HandshakeCompleted, StreamDataReceived
from aioquic.tls import CipherSuite

SUPPORTED = {"handshake", "transfer", "chacha20", "multiplexing", "retry", "keyupdate", "datagram"}


def configure(is_client: bool, testcase: str) -> QuicConfiguration:
    cfg = QuicConfiguration(is_client=is_client, alpn_protocols=["hq-interop"], idle_timeout=30.0,
                            max_datagram_frame_size=65536 if testcase == "datagram" else None)
    if testcase == "chacha20":
        cfg.cipher_suites = [CipherSuite.CHACHA20_POLY1305_SHA256]
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog:
        cfg.secrets_log_file = open(keylog, "a")
    qlogdir = os.environ.get("QLOGDIR")
    if qlogdir:
        from aioquic.quic.logger import QuicFileLogger
        os.makedirs(qlogdir, exist_ok=True)
        cfg.quic_logger = QuicFileLogger(qlogdir)
    return cfg


class HQServerProtocol(QuicConnectionProtocol):
    def __init__(self, *args, www: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.www = www
        self.requests = {}
        self.served = set()

    def quic_event_received(self, event):
        if isinstance(event, StreamDataReceived):
            if event.stream_id in self.served:
                return  # e.g. a FIN arriving after the request line was answered
            buf = self.requests.get(event.stream_id, b"") + event.data
            self.requests[event.stream_id] = buf
            if event.end_stream or b"\r\n" in buf:
                self.served.add(event.stream_id)
                self.requests.pop(event.stream_id, None)
                line = buf.split(b"\r\n")[0].decode(errors="replace")
                parts = line.split()
                path = parts[1] if len(parts) >= 2 and parts[0] == "GET" else None
                full = os.path.normpath(os.path.join(self.www, (path or "").lstrip("/")))
                if path and full.startswith(os.path.normpath(self.www)) and os.path.isfile(full):
                    with open(full, "rb") as f:
                        data = f.read()
                    self._quic.send_stream_data(event.stream_id, data, end_stream=True)
                else:
                    self._quic.reset_stream(event.stream_id, 0x10)  # not found
                self.transmit()


class HQClientProtocol(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = {}

    async def get(self, path: str) -> bytes:
        stream_id = self._quic.get_next_available_stream_id()
        fut = asyncio.get_running_loop().create_future()
        self.pending[stream_id] = (bytearray(), fut)
        self._quic.send_stream_data(stream_id, f"GET {path}\r\n".encode(), end_stream=True)
        self.transmit()
        return await fut

    def quic_event_received(self, event):
        if isinstance(event, StreamDataReceived) and event.stream_id in self.pending:
            buf, fut = self.pending[event.stream_id]
            buf.extend(event.data)
            if event.end_stream and not fut.done():
                fut.set_result(bytes(buf))
        elif isinstance(event, ConnectionTerminated):
            for _, fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError(f"closed: {event.error_code:#x} {event.reason_phrase}"))


async def run_server(testcase: str) -> int:
    cfg = configure(False, testcase)
    certs = os.environ.get("CERTS", "/certs")
    cfg.load_cert_chain(os.path.join(certs, "cert.pem"), os.path.join(certs, "priv.key"))
    www = os.environ.get("WWW", "/www")
    port = int(os.environ.get("PORT", "443"))
    host = os.environ.get("HOST", "127.0.0.1")
    server = await serve(host, port, configuration=cfg, retry=(testcase == "retry"),
                         create_protocol=lambda *a, **k: HQServerProtocol(*a, www=www, **k))
    actual = server._transport.get_extra_info("sockname")[1]
    print(f"READY {actual}", flush=True)
    await asyncio.Future()
    return 0


async def run_client(testcase: str) -> int:
    cfg = configure(True, testcase)
    cfg.verify_mode = ssl.CERT_NONE
    urls = os.environ.get("REQUESTS", "").split()
    if not urls:
        print("aioquic_hq: REQUESTS is empty", file=sys.stderr)
        return 1
    downloads = os.environ.get("DOWNLOADS", "/downloads")
    os.makedirs(downloads, exist_ok=True)
    first = urlparse(urls[0])
    async with connect(first.hostname, first.port or 443, configuration=cfg,
                       create_protocol=HQClientProtocol) as client:
        if testcase == "keyupdate":
            client._quic.request_key_update()
        results = await asyncio.wait_for(
            asyncio.gather(*(client.get(urlparse(u).path) for u in urls)), timeout=60)
        for url, data in zip(urls, results):
            with open(os.path.join(downloads, os.path.basename(urlparse(url).path)), "wb") as f:
                f.write(data)
        client.close()
    return 0


def main() -> int:
    role = os.environ.get("ROLE", "")
    testcase = os.environ.get("TESTCASE", "")
    if testcase not in SUPPORTED:
        print(f"aioquic_hq: unsupported test case {testcase!r}", file=sys.stderr)
        return 127
    if role == "server":
        return asyncio.run(run_server(testcase))
    if role == "client":
        return asyncio.run(run_client(testcase))
    print("aioquic_hq: ROLE must be client or server", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
