#!/usr/bin/env python3
"""HTTP/3 + WebTransport probes against moq-relay with a second, independent QUIC stack (aioquic,
run from .build/venv-aioquic): one well-formed WebTransport session that runs the MoQT SETUP
exchange, then malformed inputs, each on its own connection, each expecting HTTP/3's answer.

    h3_probe.py HOST PORT

Prints one line per case and exits 1 on the first case that does not get the expected answer.
"""
import asyncio, ssl, sys
import pylsqpack
from aioquic.asyncio import connect
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic import events
from aioquic.buffer import encode_uint_var

H3_SETTINGS_ERROR, H3_MESSAGE_ERROR, H3_ID_ERROR, H3_MISSING_SETTINGS = 0x109, 0x10E, 0x108, 0x10A
WT_SESSION_GONE, H3_STREAM_CREATION_ERROR = 0x170D7B68, 0x103


def frame(t, payload):
    return encode_uint_var(t) + encode_uint_var(len(payload)) + payload


def settings(pairs):
    return frame(4, b"".join(encode_uint_var(k) + encode_uint_var(v) for k, v in pairs))


GOOD_SETTINGS = settings([(0x08, 1), (0x33, 1), (0x2B603742, 1), (0x1F * 9 + 0x21, 5)])


def headers_frame(headers):
    enc = pylsqpack.Encoder()  # no dynamic table: static references, Huffman-coded literals
    _, block = enc.encode(0, [(k.encode(), v.encode()) for k, v in headers])
    return frame(1, block)


def connect_headers(host, port, protocol=True):
    h = [(":method", "CONNECT")]
    if protocol:
        h.append((":protocol", "webtransport"))
    return h + [(":scheme", "https"), (":authority", f"{host}:{port}"), (":path", "/moq"),
                ("sec-webtransport-http3-draft02", "1"), ("origin", "http://127.0.0.1"), ("wt-available-protocols", '"moqt-18"')]


class Probe(QuicConnectionProtocol):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.data = {}
        self.resets = {}
        self.stops = {}
        self.closed = None
        self.changed = asyncio.Event()

    def quic_event_received(self, e):
        if isinstance(e, events.StreamDataReceived):
            self.data[e.stream_id] = self.data.get(e.stream_id, b"") + e.data
        elif isinstance(e, events.StreamReset):
            self.resets[e.stream_id] = e.error_code
        elif isinstance(e, events.StopSendingReceived):
            self.stops[e.stream_id] = e.error_code
        elif isinstance(e, events.ConnectionTerminated):
            self.closed = e.error_code
        self.changed.set()

    def send(self, stream_id, data, end=False):
        self._quic.send_stream_data(stream_id, data, end_stream=end)
        self.transmit()

    def uni(self):
        return self._quic.get_next_available_stream_id(is_unidirectional=True)

    def bidi(self):
        return self._quic.get_next_available_stream_id(is_unidirectional=False)

    async def until(self, cond, timeout=5.0):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not cond():
            left = deadline - loop.time()
            if left <= 0:
                return False
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except asyncio.TimeoutError:
                return cond()
        return True


async def session(host, port, body):
    cfg = QuicConfiguration(is_client=True, alpn_protocols=["h3"], verify_mode=ssl.CERT_NONE, max_datagram_frame_size=65536)
    async with connect(host, port, configuration=cfg, create_protocol=Probe, wait_connected=True) as p:
        return await body(p)


def control(p, payload=GOOD_SETTINGS):
    s = p.uni()
    p.send(s, b"\x00" + payload)
    return s


async def good(p):
    control(p)
    for t in (2, 3):
        p.send(p.uni(), bytes([t]))
    s = p.bidi()
    p.send(s, headers_frame(connect_headers(HOST, PORT)))
    if not await p.until(lambda: len(p.data.get(s, b"")) > 2):
        return "no response to the CONNECT"
    dec = pylsqpack.Decoder(4096, 16)
    raw = p.data[s]
    # The response's HEADERS frame: type 1, length, field section.
    from aioquic.buffer import Buffer
    buf = Buffer(data=raw)
    assert buf.pull_uint_var() == 1, "the response does not start with HEADERS"
    length = buf.pull_uint_var()
    _, fields = dec.feed_header(s, raw[buf.tell():buf.tell() + length])
    fields = dict((k.decode(), v.decode()) for k, v in fields)
    if fields.get(":status") != "200" or fields.get("wt-protocol") != '"moqt-18"':
        return f"response {fields}"
    # MoQT over the session: our SETUP on a WebTransport uni stream (0x54, session 0); the relay's
    # SETUP comes back on one of its uni streams after the same prefix.
    w = p.uni()
    p.send(w, encode_uint_var(0x54) + encode_uint_var(s) + bytes([0xAF, 0x00, 0x00, 0x00]))
    def relay_setup():
        return any(sid % 4 == 3 and d.startswith(encode_uint_var(0x54) + encode_uint_var(s) + bytes([0xAF, 0x00])) for sid, d in p.data.items())
    if not await p.until(relay_setup):
        return f"no MoQT SETUP from the relay on a WebTransport stream (uni streams: {[(k, v[:8].hex()) for k, v in p.data.items() if k % 4 == 3]})"
    # Close the session with CLOSE_WEBTRANSPORT_SESSION (in a DATA frame) and FIN: the relay FINs back.
    capsule = encode_uint_var(0x2843) + encode_uint_var(4 + 3) + (7).to_bytes(4, "big") + b"bye"
    p.send(s, frame(0, capsule), end=True)
    if not await p.until(lambda: p._quic._streams.get(s) is None or p._quic._streams[s].receiver.is_finished):
        return "the relay did not end the CONNECT stream after CLOSE_WEBTRANSPORT_SESSION"
    return None


async def setup_with_path(p):
    control(p)
    s = p.bidi()
    p.send(s, headers_frame(connect_headers(HOST, PORT)))
    if not await p.until(lambda: len(p.data.get(s, b"")) > 2):
        return "no response to the CONNECT"
    start = len(p.data[s])
    # MoQT SETUP with a PATH option (type 0x01, "/x"): not allowed over WebTransport.
    w = p.uni()
    p.send(w, encode_uint_var(0x54) + encode_uint_var(s) + bytes([0xAF, 0x00, 0x00, 0x04, 0x01, 0x02]) + b"/x")
    close = encode_uint_var(0x2843)
    if not await p.until(lambda: close in p.data[s][start:]):
        return f"no CLOSE_WEBTRANSPORT_SESSION (CONNECT stream after the reply: {p.data[s][start:].hex()}, closed {p.closed})"
    tail = p.data[s][p.data[s].index(close, start) + len(close):]
    code = int.from_bytes(tail[1:5], "big")  # capsule length (1 byte here), then the 32-bit code
    return None if code == 0x8 else f"closed with code 0x{code:x}"


async def bad_settings(p):
    control(p, settings([(0x33, 1), (0x33, 1)]))
    if not await p.until(lambda: p.closed is not None):
        return "connection not closed"
    return None if p.closed == H3_SETTINGS_ERROR else f"closed with 0x{p.closed:x}"


async def settings_missing(p):
    control(p, frame(7, encode_uint_var(0)))  # GOAWAY before SETTINGS
    if not await p.until(lambda: p.closed is not None):
        return "connection not closed"
    return None if p.closed == H3_MISSING_SETTINGS else f"closed with 0x{p.closed:x}"


async def connect_without_protocol(p):
    control(p)
    s = p.bidi()
    p.send(s, headers_frame(connect_headers(HOST, PORT, protocol=False)))
    if not await p.until(lambda: s in p.resets):
        return f"stream {s} not reset (closed: {p.closed})"
    if p.resets[s] != H3_MESSAGE_ERROR:
        return f"stream reset with 0x{p.resets[s]:x}"
    # The connection stays usable: a proper CONNECT on it is accepted.
    t = p.bidi()
    p.send(t, headers_frame(connect_headers(HOST, PORT)))
    if not await p.until(lambda: len(p.data.get(t, b"")) > 2):
        return "a good CONNECT after the bad one got no answer"
    return None if p.closed is None else f"connection closed 0x{p.closed:x}"


async def stream_for_unknown_session(p):
    control(p)
    # A WebTransport stream for session 4, then request 4 turns out to be a GET (not a session).
    w = p.uni()
    p.send(w, encode_uint_var(0x54) + encode_uint_var(4) + b"early bytes")
    p.send(p.bidi(), headers_frame(connect_headers(HOST, PORT)))  # stream 0: a real session
    s = p.bidi()
    assert s == 4, s
    p.send(s, headers_frame([(":method", "GET"), (":scheme", "https"), (":authority", f"{HOST}:{PORT}"), (":path", "/")]), end=True)
    if not await p.until(lambda: w in p.stops):
        return f"the stream for the refused session was not stopped (stops {p.stops}, closed {p.closed})"
    if p.stops[w] != WT_SESSION_GONE:
        return f"stopped with 0x{p.stops[w]:x}"
    return None if p.closed is None else f"connection closed 0x{p.closed:x}"


async def bad_session_id(p):
    control(p)
    p.send(p.uni(), encode_uint_var(0x54) + encode_uint_var(2) + b"x")  # 2 is no request stream
    if not await p.until(lambda: p.closed is not None):
        return "connection not closed"
    return None if p.closed == H3_ID_ERROR else f"closed with 0x{p.closed:x}"


async def unknown_stream_type(p):
    control(p)
    u = p.uni()
    p.send(u, encode_uint_var(0x1F * 3 + 0x21) + b"grease")
    if not await p.until(lambda: u in p.stops):
        return "GREASE stream not stopped"
    return None if p.stops[u] == H3_STREAM_CREATION_ERROR and p.closed is None else f"stopped with 0x{p.stops[u]:x}, closed {p.closed}"


CASES = [
    ("WebTransport session, MoQT SETUP both ways, CLOSE_WEBTRANSPORT_SESSION answered with FIN", good),
    ("MoQT SETUP with a PATH option over WebTransport -> CLOSE_WEBTRANSPORT_SESSION INVALID_PATH", setup_with_path),
    ("SETTINGS with a repeated setting -> connection closed H3_SETTINGS_ERROR", bad_settings),
    ("control stream without SETTINGS first -> H3_MISSING_SETTINGS", settings_missing),
    ("CONNECT without :protocol -> stream reset H3_MESSAGE_ERROR, the connection still serves a CONNECT", connect_without_protocol),
    ("WT stream for a request that is no session -> STOP_SENDING WT_SESSION_GONE, connection unaffected", stream_for_unknown_session),
    ("WT stream naming a non-request stream as session -> H3_ID_ERROR", bad_session_id),
    ("GREASE uni stream type -> STOP_SENDING H3_STREAM_CREATION_ERROR, connection unaffected", unknown_stream_type),
]


async def main():
    failed = 0
    for name, body in CASES:
        try:
            err = await asyncio.wait_for(session(HOST, PORT, body), 15)
        except Exception as e:
            err = f"{type(e).__name__}: {e}"
        print(f"{'ok' if err is None else 'FAIL'}: {name}" + ("" if err is None else f": {err}"))
        failed += err is not None
    return 1 if failed else 0


if __name__ == "__main__":
    HOST, PORT = sys.argv[1], int(sys.argv[2])
    sys.exit(asyncio.run(main()))
