#!/usr/bin/env python3
"""A malformed-input catalogue against a running moq-relay (draft-18 over raw QUIC, ALPN moqt-18).

Usage: hostile_client.py --port PORT [--relay-pid PID] [--sub-log FILE] [--only NAME,...] [--list]

Every case opens its own QUIC connection(s) from a fresh UDP socket, does one hostile thing and
waits (about 2 s) for the answer RFC 9000/9001 or MoQT draft-18 prescribes: a CONNECTION_CLOSE with
a given transport or application code, a REQUEST_ERROR with a given code, a RESET_STREAM or
STOP_SENDING, a Version Negotiation packet, or silence. After each case the relay must still be
healthy: its process alive, a fresh session answered, and (with --sub-log) the healthy moq-sub
beside it still running with no gap. Prints one line per case and ends with
`hostile-client: N cases, P passed`; exits 1 if any case failed.

QUIC-level malformations reach into aioquic internals; all of that is in `Client.inject` (raw frame
bytes in a packet of a chosen encryption level), `HostileConnection` (transport parameter
tampering and recording the peer's CONNECTION_CLOSE) and `raw_initial` (hand-built Initial packets).
"""
import argparse
import asyncio
import contextvars
import os
import ssl
import struct
import sys
import time
from dataclasses import dataclass, field

from aioquic.buffer import Buffer
from aioquic.quic import events
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import QuicConnection
from aioquic.quic.crypto import CryptoPair
from aioquic.quic.packet import QuicPacketType
from aioquic.quic.packet_builder import QuicPacketBuilder
from aioquic.tls import Epoch

ALPN = "moqt-18"
CASE_TIMEOUT = 2.0

# ---------------------------------------------------------------------------------------------
# Codes (RFC 9000 §20.1, RFC 9001 §4.8, draft-ietf-moq-transport-18 §3.5 / §10.6.2)
# ---------------------------------------------------------------------------------------------
Q_CONNECTION_REFUSED = 0x2
Q_FLOW_CONTROL_ERROR = 0x3
Q_STREAM_LIMIT_ERROR = 0x4
Q_STREAM_STATE_ERROR = 0x5
Q_FINAL_SIZE_ERROR = 0x6
Q_FRAME_ENCODING_ERROR = 0x7
Q_TRANSPORT_PARAMETER_ERROR = 0x8
Q_CONNECTION_ID_LIMIT_ERROR = 0x9
Q_PROTOCOL_VIOLATION = 0xA
Q_CRYPTO_BUFFER_EXCEEDED = 0xD
Q_NO_APPLICATION_PROTOCOL = 0x178  # CRYPTO_ERROR 0x100 + TLS alert 120

M_PROTOCOL_VIOLATION = 0x3
M_INVALID_REQUEST_ID = 0x4
M_DUPLICATE_TRACK_ALIAS = 0x5
M_KEY_VALUE_FORMATTING_ERROR = 0x6
M_MALFORMED_PATH = 0x9
M_CONTROL_MESSAGE_TIMEOUT = 0x11
M_MALFORMED_AUTHORITY = 0x1A

RE_EXCESSIVE_LOAD = 0x9
RE_DOES_NOT_EXIST = 0x10
RE_INVALID_RANGE = 0x11
RE_DUPLICATE_SUBSCRIPTION = 0x19
RE_INVALID_JOINING_REQUEST_ID = 0x32
# moq-relay's defaults (--max-subscriptions-per-session, --max-requests-per-session).
RELAY_MAX_SUBSCRIPTIONS = 32
RELAY_MAX_REQUESTS = 64

NAMES = {
    "transport": {0x2: "CONNECTION_REFUSED", 0x3: "FLOW_CONTROL_ERROR", 0x4: "STREAM_LIMIT_ERROR",
                  0x5: "STREAM_STATE_ERROR", 0x6: "FINAL_SIZE_ERROR", 0x7: "FRAME_ENCODING_ERROR",
                  0x8: "TRANSPORT_PARAMETER_ERROR", 0x9: "CONNECTION_ID_LIMIT_ERROR",
                  0xA: "PROTOCOL_VIOLATION", 0xD: "CRYPTO_BUFFER_EXCEEDED", 0x1: "INTERNAL_ERROR",
                  0x0: "NO_ERROR", 0x178: "no_application_protocol"},
    "app": {0x0: "NO_ERROR", 0x1: "INTERNAL_ERROR", 0x3: "PROTOCOL_VIOLATION", 0x4: "INVALID_REQUEST_ID",
            0x5: "DUPLICATE_TRACK_ALIAS", 0x6: "KEY_VALUE_FORMATTING_ERROR", 0x9: "MALFORMED_PATH",
            0x11: "CONTROL_MESSAGE_TIMEOUT", 0x1A: "MALFORMED_AUTHORITY"},
    "request": {0x10: "DOES_NOT_EXIST", 0x11: "INVALID_RANGE", 0x32: "INVALID_JOINING_REQUEST_ID",
                0x0: "INTERNAL_ERROR", 0x3: "NOT_SUPPORTED", 0x9: "EXCESSIVE_LOAD", 0x19: "DUPLICATE_SUBSCRIPTION"},
}


def code_name(kind, code):
    n = NAMES.get(kind, {}).get(code)
    if n is None and kind == "transport" and 0x100 <= code <= 0x1FF:
        n = f"CRYPTO_ERROR(alert {code - 0x100})"
    return f"{n} 0x{code:x}" if n else f"0x{code:x}"


# ---------------------------------------------------------------------------------------------
# Encodings: QUIC varint (RFC 9000 §16) and MoQT vi64 (draft-18 §1.4.1, leading-ones length)
# ---------------------------------------------------------------------------------------------
def qv(v: int) -> bytes:
    if v < 1 << 6:
        return bytes([v])
    if v < 1 << 14:
        return struct.pack("!H", v | 0x4000)
    if v < 1 << 30:
        return struct.pack("!I", v | 0x80000000)
    assert v < 1 << 62
    return struct.pack("!Q", v | 0xC000000000000000)


def vi(v: int) -> bytes:
    for n in range(1, 9):
        if v < 1 << (7 * n):
            b = bytearray(v.to_bytes(n, "big"))
            b[0] |= (0xFF << (9 - n)) & 0xFF
            return bytes(b)
    return b"\xff" + v.to_bytes(8, "big")


def read_vi(b: bytes, pos: int):
    """(value, new position), or None when incomplete."""
    if pos >= len(b):
        return None
    first = b[pos]
    ones = 0
    while ones < 8 and first & (0x80 >> ones):
        ones += 1
    n = 9 if ones == 8 else ones + 1
    if pos + n > len(b):
        return None
    if n == 9:
        return int.from_bytes(b[pos + 1:pos + 9], "big"), pos + 9
    return int.from_bytes(b[pos:pos + n], "big") & ((1 << (7 * n)) - 1), pos + n


def msg(mtype: int, payload: bytes, length: int | None = None) -> bytes:
    """A control message: Type (vi64), Length (16), payload; `length` overrides the Length field."""
    return vi(mtype) + struct.pack("!H", len(payload) if length is None else length) + payload


def ns_bytes(fields) -> bytes:
    out = vi(len(fields))
    for f in fields:
        f = f.encode() if isinstance(f, str) else f
        out += vi(len(f)) + f
    return out


def name_bytes(name) -> bytes:
    name = name.encode() if isinstance(name, str) else name
    return vi(len(name)) + name


def params(*pairs) -> bytes:
    """Message parameters: count + (type delta, raw value bytes); pairs are (type, value bytes)."""
    out, prev = vi(len(pairs)), 0
    for t, v in pairs:
        out += vi(t - prev) + v
        prev = t
    return out


def kvp(t: int, v) -> bytes:
    """One Key-Value-Pair with an absolute type (for a single-pair list; §1.4.3)."""
    if t % 2 == 0:
        return vi(t) + vi(v)
    v = v.encode() if isinstance(v, str) else v
    return vi(t) + vi(len(v)) + v


def setup_msg(options: bytes = None) -> bytes:
    if options is None:
        options = kvp(0x07, "hostile-client/1")  # MOQT_IMPLEMENTATION
    return msg(0x2F00, options)


def subscribe(req_id, ns, name, prm=None) -> bytes:
    return msg(0x3, vi(req_id) + ns_bytes(ns) + name_bytes(name) + (prm if prm is not None else params()))


def fetch_standalone(req_id, ns, name, start, end) -> bytes:
    return msg(0x16, vi(req_id) + vi(1) + ns_bytes(ns) + name_bytes(name) + vi(start[0]) + vi(start[1])
               + vi(end[0]) + vi(end[1]) + params())


def publish_namespace(req_id, ns) -> bytes:
    return msg(0x6, vi(req_id) + ns_bytes(ns) + params())


def subscribe_ok(alias) -> bytes:
    return msg(0x4, vi(alias) + params())


def request_error(code, reason=b"", retry=0) -> bytes:
    return msg(0x5, vi(code) + vi(retry) + vi(len(reason)) + reason)


# QUIC frames (RFC 9000 §19)
def f_stream(sid, data=b"", offset=0, fin=False, with_len=True) -> bytes:
    t = 0x08 | (0x04 if offset else 0) | (0x02 if with_len else 0) | (0x01 if fin else 0)
    return qv(t) + qv(sid) + (qv(offset) if offset else b"") + (qv(len(data)) if with_len else b"") + data


def f_reset(sid, code, final) -> bytes:
    return qv(0x04) + qv(sid) + qv(code) + qv(final)


def f_stop(sid, code) -> bytes:
    return qv(0x05) + qv(sid) + qv(code)


# ---------------------------------------------------------------------------------------------
# The QUIC client
# ---------------------------------------------------------------------------------------------
class HostileConnection(QuicConnection):
    """aioquic's connection with two hooks: the peer's CONNECTION_CLOSE is recorded with its frame
    type (0x1c transport / 0x1d application), and the encoded transport parameters can be
    rewritten before they go into the ClientHello."""

    tp_mutator = None

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.peer_close = None  # (kind, code, frame_type, reason)

    def _handle_connection_close_frame(self, context, frame_type, buf):
        start = buf.tell()
        code = buf.pull_uint_var()
        kind = "transport" if frame_type == 0x1C else "app"
        if kind == "transport":
            buf.pull_uint_var()
        rlen = buf.pull_uint_var()
        reason = buf.pull_bytes(rlen).decode("utf8", "replace")
        if self.peer_close is None:
            self.peer_close = (kind, code, reason)
        buf.seek(start)
        super()._handle_connection_close_frame(context, frame_type, buf)

    def _serialize_transport_parameters(self) -> bytes:
        data = super()._serialize_transport_parameters()
        return self.tp_mutator(data) if self.tp_mutator else data


def tp_list(data: bytes):
    """Transport parameters (RFC 9000 §18) as [(id, value bytes)]."""
    b, out = Buffer(data=data), []
    while not b.eof():
        pid = b.pull_uint_var()
        out.append((pid, b.pull_bytes(b.pull_uint_var())))
    return out


def tp_join(items) -> bytes:
    return b"".join(qv(i) + qv(len(v)) + v for i, v in items)


class Client(asyncio.DatagramProtocol):
    def __init__(self, addr, alpn=ALPN, tp_mutator=None):
        cfg = QuicConfiguration(is_client=True, alpn_protocols=[alpn], verify_mode=ssl.CERT_NONE,
                                server_name="localhost", idle_timeout=60.0, max_datagram_frame_size=65536)
        cfg.max_data = 64 << 20
        cfg.max_stream_data = 16 << 20
        self.conn = HostileConnection(configuration=cfg)
        self.conn.tp_mutator = tp_mutator
        self.addr = addr
        self.transport = None
        self.loop = asyncio.get_event_loop()
        self.timer = None
        self.handshake_done = False
        self.terminated = None
        self.streams = {}  # sid -> {"buf": bytearray, "fin": bool, "msgs": [(type, payload)], "pos": int}
        self.resets = {}  # sid -> code
        self.stops = {}  # sid -> code
        self.server_setup = False
        self.next_req = 0
        self.pre_transmit = None  # hook(client) called before each transmit
        self.received_bytes = 0
        self.suppress = False  # drop aioquic's own datagrams (hand-made packets only)

    # -- asyncio plumbing
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.received_bytes += len(data)
        self.conn.receive_datagram(data, addr, self.loop.time())
        self.process()

    def error_received(self, exc):
        pass

    def process(self):
        while True:
            ev = self.conn.next_event()
            if ev is None:
                break
            if isinstance(ev, events.HandshakeCompleted):
                self.handshake_done = True
            elif isinstance(ev, events.ConnectionTerminated):
                self.terminated = ev
            elif isinstance(ev, events.StreamDataReceived):
                self.on_data(ev.stream_id, ev.data, ev.end_stream)
            elif isinstance(ev, events.StreamReset):
                self.resets[ev.stream_id] = ev.error_code
            elif isinstance(ev, events.StopSendingReceived):
                self.stops[ev.stream_id] = ev.error_code
        self.transmit()

    def transmit(self):
        if self.transport is None:
            return
        if self.pre_transmit:
            self.pre_transmit(self)
        for data, addr in self.conn.datagrams_to_send(self.loop.time()):
            if not self.suppress:
                self.transport.sendto(data, addr)
        if self.timer:
            self.timer.cancel()
            self.timer = None
        t = self.conn.get_timer()
        if t is not None:
            self.timer = self.loop.call_at(t, self.on_timer)

    def on_timer(self):
        self.timer = None
        self.conn.handle_timer(self.loop.time())
        self.process()

    def close(self):
        try:
            if self.terminated is None:
                self.conn.close(error_code=0)
                self.transmit()
        except Exception:
            pass
        if self.timer:
            self.timer.cancel()
        if self.transport:
            self.transport.close()

    # -- stream data and MoQT message parsing
    def on_data(self, sid, data, fin):
        s = self.streams.setdefault(sid, {"buf": bytearray(), "fin": False, "msgs": [], "pos": 0, "kind": None})
        s["buf"] += data
        s["fin"] = s["fin"] or fin
        b = bytes(s["buf"])
        if sid & 0x2:  # server uni stream: control (SETUP) or data
            if s["kind"] is None:
                r = read_vi(b, 0)
                if r is None:
                    return
                s["kind"] = "control" if r[0] == 0x2F00 else "data"
                if s["kind"] == "control":
                    s["pos"] = 0
            if s["kind"] != "control":
                return
        while True:
            r = read_vi(b, s["pos"])
            if r is None or r[1] + 2 > len(b):
                break
            mtype, p = r
            ln = struct.unpack("!H", b[p:p + 2])[0]
            if p + 2 + ln > len(b):
                break
            s["msgs"].append((mtype, b[p + 2:p + 2 + ln]))
            s["pos"] = p + 2 + ln
            if mtype == 0x2F00 and sid & 0x2:
                self.server_setup = True

    def msgs(self, sid):
        return self.streams.get(sid, {}).get("msgs", [])

    # -- commands
    def send(self, sid, data, fin=False):
        self.conn.send_stream_data(sid, data, end_stream=fin)
        self.transmit()

    def open(self, uni=False):
        return self.conn.get_next_available_stream_id(is_unidirectional=uni)

    def request(self, data, fin=False):
        sid = self.open()
        self.send(sid, data, fin)
        return sid

    def req_id(self):
        r = self.next_req
        self.next_req += 2
        return r

    def inject(self, epoch, payload: bytes):
        """Sends one packet of `epoch` (Epoch.INITIAL / HANDSHAKE / ONE_RTT) whose payload is exactly
        `payload` (raw frames, never checked by aioquic). The packet uses the next packet number and
        is not tracked for loss recovery. Payloads of 2 bytes or more get no PADDING appended in
        1-RTT (so a truncated last frame stays truncated); client Initial datagrams are padded
        after the packet, as aioquic does."""
        c = self.conn
        crypto = c._cryptos[epoch]
        assert crypto.send.is_valid(), f"no send keys for {epoch}"
        b = QuicPacketBuilder(host_cid=c.host_cid, peer_cid=c._peer_cid.cid, version=c._version, is_client=True,
                              max_datagram_size=c._max_datagram_size, packet_number=c._packet_number,
                              peer_token=c._peer_token, spin_bit=c._spin_bit)
        ptype = {Epoch.INITIAL: QuicPacketType.INITIAL, Epoch.HANDSHAKE: QuicPacketType.HANDSHAKE,
                 Epoch.ONE_RTT: QuicPacketType.ONE_RTT}[epoch]
        b.start_packet(ptype, crypto)
        b._buffer.push_bytes(payload)
        b._packet.is_ack_eliciting = True
        datagrams, _ = b.flush()
        c._packet_number = b.packet_number
        for d in datagrams:
            self.transport.sendto(d, self.addr)

    # -- waiting
    async def until(self, pred, timeout=CASE_TIMEOUT):
        deadline = self.loop.time() + timeout
        while self.loop.time() < deadline:
            if pred():
                return True
            await asyncio.sleep(0.01)
        return pred()

    async def wait_close(self, timeout=CASE_TIMEOUT):
        await self.until(lambda: self.conn.peer_close is not None, timeout)
        return self.conn.peer_close

    async def setup(self, options=None):
        ctl = self.open(uni=True)
        self.send(ctl, setup_msg(options))
        self.control = ctl
        if not await self.until(lambda: self.server_setup or self.conn.peer_close is not None):
            raise RuntimeError("no SETUP from the relay")
        if self.conn.peer_close:
            raise RuntimeError(f"closed during SETUP: {describe_close(self.conn.peer_close)}")
        return ctl


async def connect(port, alpn=ALPN, tp_mutator=None, handshake=True, pre_transmit=None, timeout=CASE_TIMEOUT, suppress=False):
    loop = asyncio.get_event_loop()
    addr = ("127.0.0.1", port)
    transport, c = await loop.create_datagram_endpoint(lambda: Client(addr, alpn, tp_mutator), local_addr=("127.0.0.1", 0))
    (BG_CLIENTS if IN_BACKGROUND.get() else CLIENTS).append(c)
    c.pre_transmit = pre_transmit
    c.suppress = suppress
    c.conn.connect(addr, now=loop.time())
    c.transmit()
    if handshake:
        await c.until(lambda: c.handshake_done or c.conn.peer_close is not None or c.terminated is not None, timeout)
        if not c.handshake_done:
            raise RuntimeError(f"handshake failed: {describe_close(c.conn.peer_close)}")
        await c.until(lambda: c.conn._handshake_confirmed, 1.0)
    return c


async def session(port, setup=True):
    c = await connect(port)
    if setup:
        await c.setup()
    return c


CLIENTS = []  # clients of the current case, closed after it
BG_CLIENTS = []  # clients of background cases, closed at the end
IN_BACKGROUND = contextvars.ContextVar("in_background", default=False)


def describe_close(pc):
    if pc is None:
        return "no close"
    kind, code, reason = pc
    return f"close {kind} {code_name(kind, code)}" + (f" ({reason[:60]})" if reason else "")


# ---------------------------------------------------------------------------------------------
# Expectations
# ---------------------------------------------------------------------------------------------
def close_expect(kind, *codes):
    names = " or ".join(code_name(kind, c) for c in codes)
    return f"close {kind} {names}"


async def expect_close(c, kind, *codes, timeout=CASE_TIMEOUT):
    pc = await c.wait_close(timeout)
    ok = pc is not None and pc[0] == kind and pc[1] in codes
    return ok, describe_close(pc) if pc else f"no close within {timeout:g} s"


async def expect_request_error(c, sid, code, timeout=CASE_TIMEOUT):
    await c.until(lambda: c.msgs(sid) or c.conn.peer_close is not None or sid in c.resets, timeout)
    m = c.msgs(sid)
    if m:
        t, p = m[0]
        if t == 0x5:
            got = read_vi(p, 0)[0]
            return got == code, f"REQUEST_ERROR {code_name('request', got)}"
        return False, f"message type 0x{t:x} on the request stream"
    if sid in c.resets:
        return False, f"RESET_STREAM 0x{c.resets[sid]:x}"
    if c.conn.peer_close:
        return False, describe_close(c.conn.peer_close)
    return False, f"no answer within {timeout:g} s"


async def session_alive(c, timeout=CASE_TIMEOUT):
    """The session still answers: a SUBSCRIBE for a namespace nobody published gets REQUEST_ERROR."""
    if c.conn.peer_close:
        return False, describe_close(c.conn.peer_close)
    sid = c.request(subscribe(c.req_id(), ["hostile-probe-nobody"], "x"))
    await c.until(lambda: c.msgs(sid) or c.conn.peer_close is not None, timeout)
    if c.conn.peer_close:
        return False, describe_close(c.conn.peer_close)
    if not c.msgs(sid):
        return False, "session unresponsive"
    return True, "session alive"


# ---------------------------------------------------------------------------------------------
# Case registry
# ---------------------------------------------------------------------------------------------
@dataclass
class Case:
    name: str
    expected: str
    ref: str
    fn: object
    background: bool = False
    timeout: float = 10.0


CASES = []


def case(name, expected, ref, background=False, timeout=10.0):
    def deco(fn):
        CASES.append(Case(name, expected, ref, fn, background, timeout))
        return fn
    return deco


def one_rtt_case(name, frames_fn, kind, codes, ref, setup=True):
    """A case that sends one 1-RTT packet built by frames_fn(client) on a fresh session."""
    async def run(port):
        c = await session(port, setup=setup)
        c.inject(Epoch.ONE_RTT, frames_fn(c))
        return await expect_close(c, kind, *codes)
    CASES.append(Case(name, close_expect(kind, *codes), ref, run))


def moqt_case(name, action, kind, codes, ref, setup=True):
    """A case that runs action(client) on a fresh session and expects a MoQT session close."""
    async def run(port):
        c = await session(port, setup=setup)
        r = action(c)
        if asyncio.iscoroutine(r):
            await r
        return await expect_close(c, kind, *codes)
    CASES.append(Case(name, close_expect(kind, *codes), ref, run))


TP = Q_TRANSPORT_PARAMETER_ERROR
PV = Q_PROTOCOL_VIOLATION
FEE = Q_FRAME_ENCODING_ERROR
SSE = Q_STREAM_STATE_ERROR
MPV = M_PROTOCOL_VIOLATION

# ===== QUIC: transport parameters in the ClientHello (RFC 9000 §7.3, §7.4, §18.2) =====
for _name, _mut, _ref in [
    ("tp-client-sends-original-dcid", lambda d: d + qv(0x00) + qv(8) + b"\x01" * 8, "RFC 9000 §18.2 (server-only parameter)"),
    ("tp-client-sends-stateless-reset-token", lambda d: d + qv(0x02) + qv(16) + b"\x02" * 16, "RFC 9000 §18.2 (server-only parameter)"),
    ("tp-client-sends-preferred-address", lambda d: d + qv(0x0D) + qv(49) + bytes(24) + b"\x08" + b"\x03" * 8 + b"\x04" * 16, "RFC 9000 §18.2 (server-only parameter)"),
    ("tp-client-sends-retry-scid", lambda d: d + qv(0x10) + qv(8) + b"\x05" * 8, "RFC 9000 §18.2 (server-only parameter)"),
    ("tp-max-udp-payload-below-1200", lambda d: tp_join([(i, v) for i, v in tp_list(d) if i != 0x03] + [(0x03, qv(1199))]), "RFC 9000 §18.2 max_udp_payload_size"),
    ("tp-ack-delay-exponent-21", lambda d: tp_join([(i, v) for i, v in tp_list(d) if i != 0x0A] + [(0x0A, qv(21))]), "RFC 9000 §18.2 ack_delay_exponent"),
    ("tp-max-ack-delay-2^14", lambda d: tp_join([(i, v) for i, v in tp_list(d) if i != 0x0B] + [(0x0B, qv(1 << 14))]), "RFC 9000 §18.2 max_ack_delay"),
    ("tp-active-cid-limit-1", lambda d: tp_join([(i, v) for i, v in tp_list(d) if i != 0x0E] + [(0x0E, qv(1))]), "RFC 9000 §18.2 active_connection_id_limit"),
    ("tp-initial-max-streams-bidi-over-2^60", lambda d: tp_join([(i, v) for i, v in tp_list(d) if i != 0x08] + [(0x08, qv((1 << 60) + 1))]), "RFC 9000 §4.6"),
    ("tp-duplicate-parameter", lambda d: d + qv(0x04) + qv(len(qv(1000))) + qv(1000), "RFC 9000 §7.4 (SHOULD)"),
    ("tp-missing-initial-scid", lambda d: tp_join([(i, v) for i, v in tp_list(d) if i != 0x0F]), "RFC 9000 §7.3"),
]:
    def _mk(mut):
        async def run(port):
            c = await connect(port, tp_mutator=mut, handshake=False)
            return await expect_close(c, "transport", TP)
        return run
    CASES.append(Case(_name, close_expect("transport", TP), _ref, _mk(_mut)))


@case("alpn-not-moqt", close_expect("transport", Q_NO_APPLICATION_PROTOCOL), "RFC 9001 §8.1")
async def _alpn(port):
    # Not h3: the relay serves browsers with it (WebTransport, docs/WEBTRANSPORT.md).
    c = await connect(port, alpn="hq-interop", handshake=False)
    return await expect_close(c, "transport", Q_NO_APPLICATION_PROTOCOL)


# ===== QUIC: frames in the wrong packet type (RFC 9000 §12.4, §12.5 table) =====
def handshake_level_case(name, epoch, frame, ref):
    """Injects `frame` in an `epoch` packet just before the client's own Handshake flight (the
    server still holds Initial and Handshake keys then)."""
    async def run(port):
        done = []

        def hook(c):
            if not done and c.conn._cryptos[Epoch.HANDSHAKE].send.is_valid():
                done.append(1)
                c.inject(epoch, frame)
        c = await connect(port, handshake=False, pre_transmit=hook)
        return await expect_close(c, "transport", PV)
    CASES.append(Case(name, close_expect("transport", PV), ref, run))


handshake_level_case("stream-frame-in-initial", Epoch.INITIAL, f_stream(0, b"\x00\x01"), "RFC 9000 §12.4, §17.2.2")
handshake_level_case("stream-frame-in-handshake", Epoch.HANDSHAKE, f_stream(0, b"\x00\x01"), "RFC 9000 §12.4, §17.2.4")
handshake_level_case("max-data-in-initial", Epoch.INITIAL, qv(0x10) + qv(1 << 20), "RFC 9000 §12.4")
handshake_level_case("handshake-done-in-handshake", Epoch.HANDSHAKE, qv(0x1E) + qv(0x01), "RFC 9000 §12.4, §19.20")
handshake_level_case("new-connection-id-in-initial", Epoch.INITIAL,
                     qv(0x18) + qv(1) + qv(0) + b"\x08" + b"\x11" * 8 + b"\x22" * 16, "RFC 9000 §12.4")
handshake_level_case("app-close-in-initial", Epoch.INITIAL, qv(0x1D) + qv(0) + qv(0), "RFC 9000 §12.4 (only 0x1c in Initial/Handshake)")


# ===== QUIC: malformed frames in 1-RTT (RFC 9000 §12.4, §19) =====
one_rtt_case("unknown-frame-type", lambda c: qv(0x2D) + b"\x00\x00", "transport", [FEE], "RFC 9000 §12.4")
one_rtt_case("truncated-varint-stream-id", lambda c: b"\x01" + qv(0x08) + b"\x40", "transport", [FEE], "RFC 9000 §12.4, §19.8")
one_rtt_case("stream-length-past-packet-end", lambda c: qv(0x0A) + qv(0) + qv(200) + b"\x00" * 10, "transport", [FEE], "RFC 9000 §19.8")
one_rtt_case("truncated-reset-stream", lambda c: b"\x01" + qv(0x04) + qv(0), "transport", [FEE], "RFC 9000 §19.4")
one_rtt_case("truncated-new-connection-id", lambda c: qv(0x18) + qv(1) + qv(0) + b"\x08" + b"\x11" * 4, "transport", [FEE], "RFC 9000 §19.15")
one_rtt_case("ack-first-range-below-zero",
             lambda c: qv(0x02) + qv(c.conn._spaces[Epoch.ONE_RTT].largest_received_packet) + qv(0) + qv(0)
             + qv(c.conn._spaces[Epoch.ONE_RTT].largest_received_packet + 1), "transport", [FEE], "RFC 9000 §19.3.1")
one_rtt_case("ack-gap-below-zero",
             lambda c: qv(0x02) + qv(c.conn._spaces[Epoch.ONE_RTT].largest_received_packet) + qv(0) + qv(1) + qv(0)
             + qv(c.conn._spaces[Epoch.ONE_RTT].largest_received_packet + 5) + qv(0), "transport", [FEE], "RFC 9000 §19.3.1")
one_rtt_case("ack-of-unsent-packet",
             lambda c: qv(0x02) + qv(c.conn._spaces[Epoch.ONE_RTT].largest_received_packet + 100000) + qv(0) + qv(0) + qv(0),
             "transport", [PV], "RFC 9000 §13.1 (SHOULD)")
one_rtt_case("stream-offset-over-2^62", lambda c: f_stream(4 * 90, b"\x00\x00", offset=(1 << 62) - 1), "transport",
             [FEE, Q_FLOW_CONTROL_ERROR], "RFC 9000 §19.8")
one_rtt_case("crypto-offset-over-2^62", lambda c: qv(0x06) + qv((1 << 62) - 1) + qv(2) + b"\x00\x00", "transport",
             [FEE, Q_CRYPTO_BUFFER_EXCEEDED], "RFC 9000 §19.6")
one_rtt_case("max-streams-over-2^60", lambda c: qv(0x12) + qv((1 << 60) + 1), "transport", [FEE], "RFC 9000 §19.11")
one_rtt_case("streams-blocked-over-2^60", lambda c: qv(0x16) + qv((1 << 60) + 1), "transport",
             [Q_STREAM_LIMIT_ERROR, FEE], "RFC 9000 §19.14")
one_rtt_case("new-connection-id-length-0", lambda c: qv(0x18) + qv(1) + qv(0) + b"\x00" + b"\x22" * 16, "transport", [FEE], "RFC 9000 §19.15")
one_rtt_case("new-connection-id-length-21", lambda c: qv(0x18) + qv(1) + qv(0) + b"\x15" + b"\x11" * 21 + b"\x22" * 16, "transport", [FEE], "RFC 9000 §19.15")
one_rtt_case("new-connection-id-retire-prior-to-above-seq", lambda c: qv(0x18) + qv(1) + qv(2) + b"\x08" + b"\x11" * 8 + b"\x22" * 16,
             "transport", [FEE], "RFC 9000 §19.15")
one_rtt_case("new-connection-id-over-limit",
             # fresh sequence numbers above the ones aioquic issued itself; 8 more than any limit we were given
             lambda c: b"".join(qv(0x18) + qv(s) + qv(0) + b"\x08" + bytes([0x40 + s % 64]) * 8 + bytes([s % 256]) * 16
                                for s in range(max(h.sequence_number for h in c.conn._host_cids) + 1,
                                               max(h.sequence_number for h in c.conn._host_cids) + 9)),
             "transport", [Q_CONNECTION_ID_LIMIT_ERROR], "RFC 9000 §5.1.1")
one_rtt_case("retire-connection-id-never-issued", lambda c: qv(0x19) + qv(1000), "transport", [PV], "RFC 9000 §19.16")
one_rtt_case("new-token-from-client", lambda c: qv(0x07) + qv(4) + b"tokn", "transport", [PV], "RFC 9000 §19.7")
one_rtt_case("handshake-done-from-client", lambda c: qv(0x1E) + qv(0x01), "transport", [PV], "RFC 9000 §19.20")

# ===== QUIC: stream state, limits, flow control (RFC 9000 §3, §4, §19) =====
one_rtt_case("stream-on-server-uni-send-only", lambda c: f_stream(3, b"\x00\x00", offset=1000), "transport", [SSE], "RFC 9000 §19.8")
one_rtt_case("stream-on-uncreated-server-bidi", lambda c: f_stream(4 * 50 + 1, b"\x00\x00", offset=1000), "transport", [SSE], "RFC 9000 §19.8")
one_rtt_case("reset-stream-on-send-only", lambda c: f_reset(3, 0, 0), "transport", [SSE], "RFC 9000 §19.4")
one_rtt_case("stop-sending-on-receive-only", lambda c: f_stop(2, 0), "transport", [SSE], "RFC 9000 §19.5")
one_rtt_case("stop-sending-on-uncreated-server-stream", lambda c: f_stop(4 * 50 + 1, 0), "transport", [SSE], "RFC 9000 §19.5")
one_rtt_case("max-stream-data-on-receive-only", lambda c: qv(0x11) + qv(2) + qv(1 << 30), "transport", [SSE], "RFC 9000 §19.10")
one_rtt_case("stream-data-blocked-on-send-only", lambda c: qv(0x15) + qv(3) + qv(0), "transport", [SSE], "RFC 9000 §19.13")
one_rtt_case("bidi-stream-beyond-max-streams", lambda c: f_stream(4 * c.conn._remote_max_streams_bidi, b"\x00\x00", offset=1000),
             "transport", [Q_STREAM_LIMIT_ERROR], "RFC 9000 §4.6, §19.11")
one_rtt_case("uni-stream-beyond-max-streams", lambda c: f_stream(4 * c.conn._remote_max_streams_uni + 2, b"\x00\x00", offset=1000),
             "transport", [Q_STREAM_LIMIT_ERROR], "RFC 9000 §4.6, §19.11")
one_rtt_case("stream-flow-control-exceeded", lambda c: f_stream(4 * 91, b"\x00", offset=c.conn._remote_max_stream_data_bidi_remote),
             "transport", [Q_FLOW_CONTROL_ERROR], "RFC 9000 §4.1")
one_rtt_case("uni-stream-flow-control-exceeded", lambda c: f_stream(4 * 91 + 2, b"\x00", offset=c.conn._remote_max_stream_data_uni),
             "transport", [Q_FLOW_CONTROL_ERROR], "RFC 9000 §4.1")
one_rtt_case("connection-flow-control-exceeded",
             lambda c: b"".join(f_stream(4 * (100 + i), b"\x00", offset=c.conn._remote_max_stream_data_bidi_remote - 1)
                                for i in range(c.conn._remote_max_data // max(1, c.conn._remote_max_stream_data_bidi_remote) + 1)),
             "transport", [Q_FLOW_CONTROL_ERROR], "RFC 9000 §4.1")
one_rtt_case("final-size-changed", lambda c: f_stream(4 * 92, b"\x00" * 4, offset=10, fin=True) + f_stream(4 * 92, b"\x00" * 8, offset=10, fin=True),
             "transport", [Q_FINAL_SIZE_ERROR], "RFC 9000 §4.5 (SHOULD)")
one_rtt_case("data-beyond-final-size", lambda c: f_stream(4 * 93, b"\x00" * 4, offset=10, fin=True) + f_stream(4 * 93, b"\x00" * 4, offset=14),
             "transport", [Q_FINAL_SIZE_ERROR], "RFC 9000 §4.5 (SHOULD)")
one_rtt_case("reset-final-size-below-received", lambda c: f_stream(4 * 94, b"\x00" * 10, offset=10) + f_reset(4 * 94, 0, 5),
             "transport", [Q_FINAL_SIZE_ERROR], "RFC 9000 §4.5 (SHOULD)")


# ===== QUIC: raw Initial packets, Version Negotiation, CRYPTO buffering (RFC 9000 §5.2.2, §6, §7.5, §14.1, §17.2) =====
class RawSocket(asyncio.DatagramProtocol):
    def __init__(self):
        self.got = []

    def datagram_received(self, data, addr):
        self.got.append(data)


async def raw_socket():
    loop = asyncio.get_event_loop()
    t, p = await loop.create_datagram_endpoint(RawSocket, local_addr=("127.0.0.1", 0))
    return t, p


def long_header(version, dcid, scid, rest=b"", first=0xC0, size=1200):
    pkt = bytes([first]) + struct.pack("!I", version) + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid + rest
    return pkt + os.urandom(max(0, size - len(pkt)))


def parse_vn(d):
    """(dcid, scid, versions) of a Version Negotiation packet, or None."""
    if len(d) < 7 or not d[0] & 0x80 or d[1:5] != b"\x00\x00\x00\x00":
        return None
    p = 5
    dl = d[p]
    dcid = d[p + 1:p + 1 + dl]
    p += 1 + dl
    sl = d[p]
    scid = d[p + 1:p + 1 + sl]
    p += 1 + sl
    vers = [struct.unpack("!I", d[i:i + 4])[0] for i in range(p, len(d) - 3, 4)]
    return dcid, scid, vers


def vn_case(name, dcid_len, size, expect_vn, ref, version=0x1A2A3A4A):
    async def run(port):
        t, p = await raw_socket()
        try:
            dcid, scid = os.urandom(dcid_len), os.urandom(8)
            t.sendto(long_header(version, dcid, scid, size=size), ("127.0.0.1", port))
            await asyncio.sleep(0.6)
            vns = [parse_vn(d) for d in p.got]
            vns = [v for v in vns if v]
            if not expect_vn:
                return (not p.got), ("no response" if not p.got else f"{len(p.got)} datagram(s) answered")
            if not vns:
                return False, "no Version Negotiation" if not p.got else f"{len(p.got)} non-VN datagram(s)"
            d, s, vers = vns[0]
            ok = d == scid and s == dcid and 1 in vers
            return ok, f"VN (echoes IDs: {d == scid and s == dcid}, versions {[hex(v) for v in vers]})"
        finally:
            t.close()
    exp = "Version Negotiation listing 0x1, echoing the IDs" if expect_vn else "no response (packet dropped)"
    CASES.append(Case(name, exp, ref, run))


vn_case("unknown-version-gets-vn", 8, 1200, True, "RFC 9000 §5.2.2, §6.1")
vn_case("unknown-version-dcid-21-gets-vn", 21, 1200, True, "RFC 9000 §17.2, §5.2.2; RFC 8999 §5.3")
vn_case("unknown-version-dcid-255-gets-vn", 255, 1300, True, "RFC 9000 §17.2, §5.2.2; RFC 8999 §5.3")
vn_case("unknown-version-small-datagram-dropped", 8, 600, False, "RFC 9000 §5.2.2 (MUST drop)")
vn_case("v1-initial-dcid-21-dropped", 21, 1200, False, "RFC 9000 §17.2 (MUST drop)", version=1)


def raw_initial(dcid, scid, frames: bytes, pn=0):
    """One client Initial datagram (protected with the Initial keys of `dcid`), padded to 1200."""
    crypto = CryptoPair()
    crypto.setup_initial(cid=dcid, is_client=True, version=1)
    b = QuicPacketBuilder(host_cid=scid, peer_cid=dcid, version=1, is_client=True, max_datagram_size=1200, packet_number=pn)
    b.start_packet(QuicPacketType.INITIAL, crypto)
    b._buffer.push_bytes(frames)
    b._packet.is_ack_eliciting = True
    datagrams, _ = b.flush()
    return datagrams


@case("initial-in-small-datagram-dropped", "no response (Initial in a datagram < 1200 bytes dropped)", "RFC 9000 §14.1")
async def _small_initial(port):
    c = QuicConnection(configuration=QuicConfiguration(is_client=True, alpn_protocols=[ALPN], verify_mode=ssl.CERT_NONE))
    c.connect(("127.0.0.1", port), now=time.monotonic())
    first = c.datagrams_to_send(time.monotonic())[0][0]
    # aioquic pads a client Initial datagram with zeros *after* the packet: without them the
    # packet itself stays valid and the datagram is short.
    short = first.rstrip(b"\x00")
    t, p = await raw_socket()
    try:
        if len(short) >= 1200:
            return False, "could not build a short Initial datagram"
        t.sendto(short, ("127.0.0.1", port))
        await asyncio.sleep(0.6)
        return not p.got, f"no response to {len(short)} B" if not p.got else f"{len(p.got)} datagram(s) answered {len(short)} B"
    finally:
        t.close()


async def initial_only_client(port):
    """A client connection whose own ClientHello is never sent: its Initial keys (from its DCID)
    protect the hand-made Initial packets, and aioquic decrypts the server's answers."""
    c = await connect(port, handshake=False, suppress=True)
    return c


@case("crypto-out-of-order-beyond-buffer", close_expect("transport", Q_CRYPTO_BUFFER_EXCEEDED), "RFC 9000 §7.5")
async def _crypto_ooo(port):
    c = await initial_only_client(port)
    # CRYPTO data 1 MiB ahead of anything received (the RFC's floor is 4096 bytes of reordering).
    for off in (1 << 20, (1 << 20) + 1000):
        c.inject(Epoch.INITIAL, qv(0x06) + qv(off) + qv(900) + os.urandom(900))
    return await expect_close(c, "transport", Q_CRYPTO_BUFFER_EXCEEDED)


@case("clienthello-in-order-unbounded", close_expect("transport", Q_CRYPTO_BUFFER_EXCEEDED) + " before 1 MiB of one ClientHello is buffered",
      "RFC 9000 §7.5")
async def _crypto_inorder(port):
    """A ClientHello header announcing 16 MiB, then in-order CRYPTO data: the server can never
    finish this message and must not buffer it without bound."""
    c = await initial_only_client(port)
    data = b"\x01" + ((1 << 24) - 1).to_bytes(3, "big") + b"\x03\x03" + os.urandom((1 << 20) - 6)
    off = 0
    while off < len(data) and c.conn.peer_close is None:
        chunk = data[off:off + 1100]
        c.inject(Epoch.INITIAL, qv(0x06) + qv(off) + qv(len(chunk)) + chunk)
        off += len(chunk)
        if (off // 1100) % 40 == 0:
            await asyncio.sleep(0.005)
    ok, obs = await expect_close(c, "transport", Q_CRYPTO_BUFFER_EXCEEDED, timeout=1.0)
    return ok, f"{obs} after {off >> 10} KiB sent"


# ===== MoQT: control streams and SETUP (draft-18 §3.3, §3.4, §10.3) =====
moqt_case("second-setup-on-control-stream", lambda c: c.send(c.control, setup_msg()), "app", [MPV], "draft-18 §10.3, §3.5")
moqt_case("second-control-stream", lambda c: c.send(c.open(uni=True), setup_msg()), "app", [MPV], "draft-18 §3.3, §3.5")
moqt_case("control-stream-fin", lambda c: c.send(c.control, b"", fin=True), "app", [MPV], "draft-18 §3.3")
async def _reset_control(c):
    """RESET_STREAM written by hand: final size = the SETUP's length, code CANCELLED. Sent only once
    the relay answered a request, i.e. read our SETUP: a reset arriving with the SETUP's packet
    lets QUIC discard the unread SETUP (RFC 9000 §3.2), and the relay then never saw a control stream."""
    await session_alive(c)
    c.inject(Epoch.ONE_RTT, f_reset(c.control, 0x1, len(setup_msg())))


moqt_case("control-stream-reset", _reset_control, "app", [MPV], "draft-18 §3.3")
moqt_case("control-stream-stop-sending",
          lambda c: (c.conn.stop_stream(next(s for s, v in c.streams.items() if v["kind"] == "control"), 0), c.transmit()),
          "app", [MPV], "draft-18 §3.3")
moqt_case("unknown-message-on-control-stream", lambda c: c.send(c.control, msg(0x3F, b"")), "app", [MPV], "draft-18 §10 (unknown type), §3.5")
moqt_case("request-on-control-stream", lambda c: c.send(c.control, subscribe(0, ["x"], "y")), "app", [MPV], "draft-18 §10 (Stream column), §3.5")
moqt_case("goaway-from-client-with-uri", lambda c: c.send(c.control, msg(0x10, vi(9) + b"moqt://x/" + vi(0) + vi(1))), "app", [MPV], "draft-18 §10.4")
moqt_case("goaway-twice", lambda c: c.send(c.control, msg(0x10, vi(0) + vi(0) + vi(1)) * 2), "app", [MPV], "draft-18 §10.4")
moqt_case("goaway-request-id-wrong-parity", lambda c: c.send(c.control, msg(0x10, vi(0) + vi(0) + vi(2))), "app", [M_INVALID_REQUEST_ID], "draft-18 §10.4")
moqt_case("unknown-uni-stream-type", lambda c: c.send(c.open(uni=True), vi(0x3) + b"\x00" * 8), "app", [MPV], "draft-18 §3.4, §3.5")
moqt_case("setup-on-bidi-stream", lambda c: c.request(setup_msg()), "app", [MPV], "draft-18 §3.3")


def setup_case(name, options: bytes, kind, codes, ref, length=None):
    async def run(port):
        c = await connect(port)
        ctl = c.open(uni=True)
        c.send(ctl, msg(0x2F00, options, length) if length is None else msg(0x2F00, options, length))
        return await expect_close(c, kind, *codes)
    CASES.append(Case(name, close_expect(kind, *codes), ref, run))


setup_case("setup-path-not-abempty", kvp(0x01, "no-leading-slash"), "app", [M_MALFORMED_PATH], "draft-18 §10.3.1.2, RFC 3986 §3.3")
setup_case("setup-path-not-utf8", kvp(0x01, b"/\xff\xfe"), "app", [M_MALFORMED_PATH], "draft-18 §10.3.1.2")
setup_case("setup-authority-malformed", kvp(0x05, "bad host:port:x"), "app", [M_MALFORMED_AUTHORITY], "draft-18 §10.3.1.1, RFC 3986 §3.2")
setup_case("setup-auth-token-alias-delete", kvp(0x03, vi(0x0) + vi(1)), "app", [MPV], "draft-18 §10.2.2")
setup_case("setup-auth-token-undecodable", kvp(0x03, vi(0x9)), "app", [M_KEY_VALUE_FORMATTING_ERROR], "draft-18 §10.2.2")
setup_case("setup-kvp-length-over-65535", vi(0x21) + vi(70000) + b"\x00" * 8, "app", [MPV], "draft-18 §1.4.3")
setup_case("setup-kvp-type-delta-overflow", vi((1 << 64) - 1) + vi(0) + vi(2) + vi(0), "app", [MPV], "draft-18 §1.4.3")
setup_case("setup-length-shorter-than-content", kvp(0x07, "hostile-client/1"), "app", [MPV], "draft-18 §10", length=3)


@case("setup-unknown-and-grease-options-ignored", "session established; later requests answered", "draft-18 §10.3, §14")
async def _grease(port):
    c = await connect(port)
    # Unknown option 0x9D (grease) twice and an unknown odd option: all MUST be ignored.
    opts = (vi(0x9D) + vi(2) + b"ab"         # 0x9D (odd: length-prefixed)
            + vi(0) + vi(0)                   # 0x9D again, empty: duplicates of unknown options are allowed
            + vi(0x11C - 0x9D) + vi(5)        # 0x11C (even: one vi64)
            + vi(0x7FF1 - 0x11C) + vi(3) + b"xyz")  # an unknown odd option
    await c.setup(opts)
    return await session_alive(c)


# ===== MoQT: request streams (draft-18 §3.3, §10.1, §10.2, §2.4.1) =====
def req_case(name, build, kind, codes, ref):
    moqt_case(name, lambda c: c.request(build(c)), kind, codes, ref)


req_case("unknown-message-first-on-bidi", lambda c: msg(0x3F, b"\x00"), "app", [MPV], "draft-18 §3.3")
req_case("response-message-first-on-bidi", lambda c: subscribe_ok(1), "app", [MPV], "draft-18 §3.3")
req_case("request-id-wrong-parity", lambda c: subscribe(1, ["hostile"], "t"), "app", [M_INVALID_REQUEST_ID], "draft-18 §10.1")
moqt_case("duplicate-request-id",
          lambda c: (c.request(subscribe(0, ["hostile-a"], "t")), c.request(subscribe(0, ["hostile-b"], "t"))),
          "app", [M_INVALID_REQUEST_ID], "draft-18 §10.1")
req_case("namespace-33-fields", lambda c: subscribe(c.req_id(), [f"f{i}" for i in range(33)], "t"), "app", [MPV], "draft-18 §2.4.1")
req_case("namespace-empty-field", lambda c: subscribe(c.req_id(), ["a", "", "b"], "t"), "app", [MPV], "draft-18 §2.4.1")
req_case("namespace-over-4096-bytes", lambda c: subscribe(c.req_id(), ["a" * 2100, "b" * 2000], ""), "app", [MPV], "draft-18 §2.4.1")
req_case("full-track-name-over-4096-bytes", lambda c: subscribe(c.req_id(), ["a" * 2000], "n" * 2097), "app", [MPV], "draft-18 §2.4.1")
req_case("subscribe-namespace-prefix-33-fields", lambda c: msg(0x50, vi(c.req_id()) + ns_bytes([f"p{i}" for i in range(33)]) + params()),
         "app", [MPV], "draft-18 §10.18")
req_case("length-longer-than-contents", lambda c: msg(0x3, vi(c.req_id()) + ns_bytes(["hostile"]) + name_bytes("t") + params() + b"\x00\x00"),
         "app", [MPV], "draft-18 §10")
req_case("length-cuts-a-varint", lambda c: msg(0x3, b"\x00\xc0") + b"\x00\x00", "app", [MPV], "draft-18 §10, §1.4.1")
req_case("unknown-parameter", lambda c: subscribe(c.req_id(), ["hostile"], "t", params((0x40, vi(1)))), "app", [MPV], "draft-18 §10.2")
req_case("duplicate-parameter", lambda c: subscribe(c.req_id(), ["hostile"], "t", vi(2) + vi(0x20) + b"\x01" + vi(0) + b"\x02"),
         "app", [MPV], "draft-18 §10.2 (SHOULD)")
req_case("parameter-out-of-scope", lambda c: subscribe(c.req_id(), ["hostile"], "t", params((0x09, vi(1) + vi(0)))),
         "app", [MPV], "draft-18 §10.2.1")
req_case("parameter-type-delta-overflow", lambda c: subscribe(c.req_id(), ["hostile"], "t", vi(2) + vi(0x20) + b"\x01" + vi((1 << 64) - 1) + b"\x00"),
         "app", [MPV], "draft-18 §10.2")
req_case("forward-value-2", lambda c: subscribe(c.req_id(), ["hostile"], "t", params((0x10, b"\x02"))), "app", [MPV], "draft-18 §10.2.12")
req_case("group-order-value-3", lambda c: subscribe(c.req_id(), ["hostile"], "t", params((0x22, b"\x03"))), "app", [MPV], "draft-18 §10.2.8")
req_case("subscription-filter-type-9", lambda c: subscribe(c.req_id(), ["hostile"], "t", params((0x21, vi(1) + vi(9)))),
         "app", [MPV], "draft-18 §5.1.2")
req_case("fetch-type-4", lambda c: msg(0x16, vi(c.req_id()) + vi(4) + vi(0) + vi(0) + params()), "app", [MPV], "draft-18 §10.12")


def request_error_case(name, build, code, ref):
    async def run(port):
        c = await session(port)
        sid = c.request(build(c))
        return await expect_request_error(c, sid, code)
    CASES.append(Case(name, f"REQUEST_ERROR {code_name('request', code)}", ref, run))


request_error_case("subscribe-unknown-namespace", lambda c: subscribe(c.req_id(), ["hostile-nobody"], "t"), RE_DOES_NOT_EXIST, "draft-18 §10.6.2")
request_error_case("namespace-32-fields-4096-bytes-is-legal",
                   lambda c: subscribe(c.req_id(), ["n" * 128] * 31 + ["m" * 127], "x"), RE_DOES_NOT_EXIST, "draft-18 §2.4.1 (limits inclusive)")
request_error_case("fetch-unknown-track", lambda c: fetch_standalone(c.req_id(), ["hostile-nobody"], "t", (0, 0), (1, 0)),
                   RE_DOES_NOT_EXIST, "draft-18 §10.6.2")
request_error_case("fetch-range-beyond-largest", lambda c: fetch_standalone(c.req_id(), ["demo"], "video", (1 << 40, 0), ((1 << 40) + 1, 0)),
                   RE_INVALID_RANGE, "draft-18 §10.12.3")
request_error_case("joining-fetch-unknown-request-id", lambda c: msg(0x16, vi(c.req_id()) + vi(2) + vi(1000) + vi(0) + params()),
                   RE_INVALID_JOINING_REQUEST_ID, "draft-18 §10.12.2")
request_error_case("track-status-unknown-track", lambda c: msg(0xD, vi(c.req_id()) + ns_bytes(["hostile-nobody"]) + name_bytes("t") + params()),
                   RE_DOES_NOT_EXIST, "draft-18 §10.14, §10.6.2")


async def _hold_requests(c, build, n):
    """Opens n requests built by build(c, k), gives the relay time to read them; their streams."""
    sids = [c.request(build(c, k)) for k in range(n)]
    await asyncio.sleep(0.5)
    return sids


@case("subscriptions-over-session-limit",
      f"REQUEST_ERROR {code_name('request', RE_EXCESSIVE_LOAD)} for SUBSCRIBE {RELAY_MAX_SUBSCRIPTIONS + 1}; session survives",
      "draft-18 §15 (relays MAY reject excessive subscriptions with EXCESSIVE_LOAD); moq-relay --max-subscriptions-per-session")
async def _too_many_subscriptions(port):
    c = await session(port)
    # Subscriptions that stay open: nobody publishes the namespace, the relay waits 20 s (RENDEZVOUS_TIMEOUT).
    wait = params((0x04, vi(20000)))
    sids = await _hold_requests(c, lambda c, k: subscribe(c.req_id(), ["hostile-wait"], f"t{k}", wait), RELAY_MAX_SUBSCRIPTIONS)
    answered = [sid for sid in sids if c.msgs(sid)]
    if answered or c.conn.peer_close:
        return False, describe_close(c.conn.peer_close) if c.conn.peer_close else f"{len(answered)} waiting SUBSCRIBEs answered at once"
    sid = c.request(subscribe(c.req_id(), ["hostile-wait"], "one-more", wait))
    ok, obs = await expect_request_error(c, sid, RE_EXCESSIVE_LOAD)
    if not ok:
        return ok, obs
    alive, more = await session_alive(c)
    return alive, f"{obs}; {more}"


@case("requests-over-session-limit",
      f"REQUEST_ERROR {code_name('request', RE_EXCESSIVE_LOAD)} for open request {RELAY_MAX_REQUESTS + 1}; session survives",
      "draft-18 §15; moq-relay --max-requests-per-session")
async def _too_many_requests(port):
    c = await session(port)
    # SUBSCRIBE_NAMESPACE requests are answered REQUEST_OK and stay open.
    sids = await _hold_requests(c, lambda c, k: msg(0x50, vi(c.req_id()) + ns_bytes(["hostile-ns", f"p{k}"]) + params()), RELAY_MAX_REQUESTS)
    await c.until(lambda: all(c.msgs(sid) for sid in sids) or c.conn.peer_close is not None)
    refused = [sid for sid in sids if not c.msgs(sid) or c.msgs(sid)[0][0] != 0x7]
    if refused or c.conn.peer_close:
        return False, describe_close(c.conn.peer_close) if c.conn.peer_close else f"{len(refused)} of {len(sids)} SUBSCRIBE_NAMESPACE not answered REQUEST_OK"
    sid = c.request(msg(0xD, vi(c.req_id()) + ns_bytes(["demo"]) + name_bytes("video") + params()))
    ok, obs = await expect_request_error(c, sid, RE_EXCESSIVE_LOAD)
    if not ok:
        return ok, obs
    alive, more = await session_alive(c)
    return alive, f"{obs}; {more}"


@case("duplicate-subscription", f"REQUEST_ERROR {code_name('request', RE_DUPLICATE_SUBSCRIPTION)} for a second SUBSCRIBE to one track",
      "draft-18 §5.1 (MUST fail with DUPLICATE_SUBSCRIPTION)")
async def _duplicate_subscription(port):
    c = await session(port)
    first = c.request(subscribe(c.req_id(), ["demo"], "video"))
    await c.until(lambda: c.msgs(first) or c.conn.peer_close is not None)
    if not c.msgs(first) or c.msgs(first)[0][0] != 0x4:
        return False, f"the first SUBSCRIBE was not accepted: {c.msgs(first)[:1] or describe_close(c.conn.peer_close)}"
    second = c.request(subscribe(c.req_id(), ["demo"], "video"))
    return await expect_request_error(c, second, RE_DUPLICATE_SUBSCRIPTION)


@case("subscribe-before-setup", "REQUEST_ERROR DOES_NOT_EXIST 0x10 once SETUP arrives (buffered), or the stream reset",
      "draft-18 §3.3")
async def _sub_before_setup(port):
    c = await connect(port)
    sid = c.request(subscribe(c.req_id(), ["hostile-nobody"], "t"))
    await asyncio.sleep(0.3)
    c.send(c.open(uni=True), setup_msg())
    await c.until(lambda: c.msgs(sid) or sid in c.resets or c.conn.peer_close is not None)
    if sid in c.resets:
        return True, f"RESET_STREAM 0x{c.resets[sid]:x}"
    return await expect_request_error(c, sid, RE_DOES_NOT_EXIST, timeout=0.1)


@case("stop-sending-on-request-stream", "RESET_STREAM on the request stream; session survives", "RFC 9000 §3.5, draft-18 §3.3.2")
async def _stop_req(port):
    c = await session(port)
    sid = c.request(subscribe(c.req_id(), ["demo"], "video"))
    await c.until(lambda: c.msgs(sid))
    c.conn.stop_stream(sid, 0x1)
    c.transmit()
    await c.until(lambda: sid in c.resets or c.conn.peer_close is not None)
    if sid not in c.resets:
        return False, describe_close(c.conn.peer_close) if c.conn.peer_close else "no RESET_STREAM"
    ok, obs = await session_alive(c)
    return ok, f"RESET_STREAM 0x{c.resets[sid]:x}; {obs}"


@case("reset-request-stream-cancels", "subscription cancelled; session survives", "draft-18 §3.3.2, §11.4.1")
async def _reset_req(port):
    c = await session(port)
    sid = c.request(subscribe(c.req_id(), ["demo"], "video"))
    await c.until(lambda: c.msgs(sid))
    c.conn.reset_stream(sid, 0x1)
    c.conn.stop_stream(sid, 0x1)
    c.transmit()
    await asyncio.sleep(0.3)
    return await session_alive(c)


@case("padding-stream-discarded", "8 MiB of padding (twice the connection window) accepted; session survives", "draft-18 §11.5.1")
async def _padding(port):
    c = await session(port)
    sid = c.open(uni=True)
    c.send(sid, vi(0x132B3E28))
    reason, used = await push_bytes(c, [sid], 8 << 20, stall=3.0)
    if reason != "done":
        return False, f"{reason} at {used >> 10} KiB"
    alive, obs = await session_alive(c)
    return alive, f"{used >> 10} KiB credited; {obs}"


@case("padding-datagram-discarded", "ignored; session survives", "draft-18 §11.5.2")
async def _padding_dgram(port):
    c = await session(port)
    c.conn.send_datagram_frame(vi(0x132B3E29) + bytes(100))
    c.transmit()
    await asyncio.sleep(0.2)
    return await session_alive(c)


moqt_case("datagram-invalid-type-0x40", lambda c: (c.conn.send_datagram_frame(vi(0x40) + vi(1) + vi(0) + b"x"), c.transmit()),
          "app", [MPV], "draft-18 §11.3.1")
moqt_case("datagram-status-with-end-of-group", lambda c: (c.conn.send_datagram_frame(vi(0x22) + vi(1) + vi(0) + vi(0) + b"\x80" + vi(0)), c.transmit()),
          "app", [MPV], "draft-18 §11.3.1")
moqt_case("subgroup-header-reserved-mode", lambda c: c.send(c.open(uni=True), vi(0x16) + vi(1) + vi(0) + b"\x80"),
          "app", [MPV], "draft-18 §11.4.2")


@case("subgroup-unknown-track-alias", "stream abandoned (STOP_SENDING) or ignored; session survives", "draft-18 §11.4.2")
async def _unknown_alias(port):
    c = await session(port)
    sid = c.open(uni=True)
    c.send(sid, vi(0x10) + vi(4242) + vi(0) + b"\x80" + vi(0) + vi(3) + b"abc")
    await asyncio.sleep(0.3)
    ok, obs = await session_alive(c)
    if sid in c.stops:
        obs = f"STOP_SENDING 0x{c.stops[sid]:x}; " + obs
    return ok, obs


# ===== MoQT: as a publisher, answering the relay's SUBSCRIBE (draft-18 §5.1, §11) =====
async def publisher(port, tracks=("t",)):
    """A publisher session that announced a fresh namespace, a subscriber session that subscribed to
    `tracks` in it, and the relay's SUBSCRIBE requests as seen by the publisher: [(stream, track)]."""
    ns = f"hostile-pub-{os.getpid()}-{len(CLIENTS)}"
    pub = await session(port)
    sid = pub.request(publish_namespace(pub.req_id(), [ns]))
    if not await pub.until(lambda: pub.msgs(sid)) or pub.msgs(sid)[0][0] != 0x7:
        raise RuntimeError(f"PUBLISH_NAMESPACE not accepted: {pub.msgs(sid)} {describe_close(pub.conn.peer_close)}")
    sub = await session(port)
    for t in tracks:
        sub.request(subscribe(sub.req_id(), [ns], t))

    def reqs():
        out = []
        for s, v in pub.streams.items():
            if s % 4 == 1 and v["msgs"] and v["msgs"][0][0] == 0x3:
                out.append(s)
        return out
    await pub.until(lambda: len(reqs()) >= len(tracks))
    if len(reqs()) < len(tracks):
        raise RuntimeError("the relay did not subscribe upstream")
    return pub, sub, sorted(reqs())


def publisher_case(name, kind, codes, ref, tracks=("t",), expected=None, timeout=10.0):
    def deco(action):
        async def run(port):
            pub, sub, reqs = await publisher(port, tracks)
            r = action(pub, reqs)
            if asyncio.iscoroutine(r):
                r = await r
            if r is not None:
                return r
            return await expect_close(pub, kind, *codes)
        CASES.append(Case(name, expected or close_expect(kind, *codes), ref, run, timeout=timeout))
        return action
    return deco


def subgroup(alias, group=0, t=0x10, prio=True) -> bytes:
    return vi(t) + vi(alias) + vi(group) + (b"\x80" if prio and not t & 0x20 else b"")


@publisher_case("subscribe-ok-twice", "app", [MPV], "draft-18 §5.1")
def _ok_twice(pub, reqs):
    pub.send(reqs[0], subscribe_ok(7) + subscribe_ok(7))


@publisher_case("duplicate-track-alias", "app", [M_DUPLICATE_TRACK_ALIAS], "draft-18 §11.1", tracks=("a", "b"))
async def _dup_alias(pub, reqs):
    pub.send(reqs[0], subscribe_ok(7))
    await asyncio.sleep(0.1)
    pub.send(reqs[1], subscribe_ok(7))


@publisher_case("request-error-reason-over-1024", "app", [MPV], "draft-18 §1.4.4")
def _long_reason(pub, reqs):
    pub.send(reqs[0], request_error(0x10, b"r" * 1100))


async def _with_alias(pub, reqs, data, fin=False):
    pub.send(reqs[0], subscribe_ok(9))
    await asyncio.sleep(0.1)
    pub.send(pub.open(uni=True), data, fin)


publisher_case("object-unknown-status", "app", [MPV], "draft-18 §11.2.1.1 (SHOULD)")(
    lambda pub, reqs: _with_alias(pub, reqs, subgroup(9) + vi(0) + vi(0) + vi(0x7)))
publisher_case("properties-on-status-object", "app", [MPV], "draft-18 §11.2.1.2")(
    lambda pub, reqs: _with_alias(pub, reqs, subgroup(9, t=0x11) + vi(0) + vi(2) + vi(0x3E) + vi(0) + vi(0) + vi(0x3)))
publisher_case("object-id-overflow", "app", [MPV], "draft-18 §11.4.2")(
    lambda pub, reqs: _with_alias(pub, reqs, subgroup(9) + vi((1 << 64) - 1) + vi(1) + b"x" + vi(0) + vi(1) + b"y"))
publisher_case("fin-in-the-middle-of-an-object", "app", [MPV], "draft-18 §11.4 (SHOULD)")(
    lambda pub, reqs: _with_alias(pub, reqs, subgroup(9) + vi(0) + vi(100) + b"x" * 10, fin=True))


@publisher_case("datagram-properties-length-0", "app", [MPV], "draft-18 §11.3.1")
async def _dgram_props(pub, reqs):
    pub.send(reqs[0], subscribe_ok(9))
    await asyncio.sleep(0.1)
    pub.conn.send_datagram_frame(vi(0x01) + vi(9) + vi(0) + vi(0) + b"\x80" + vi(0) + b"payload")
    pub.transmit()


@publisher_case("object-larger-than-any-limit", "", [], "draft-18 §13.5; RFC 9000 §4.1",
                expected="STOP_SENDING on the stream, a close, or credit withheld: never 16 MiB of one object accepted", timeout=25.0)
async def _huge_object(pub, reqs):
    pub.send(reqs[0], subscribe_ok(9))
    await asyncio.sleep(0.1)
    sid = pub.open(uni=True)
    pub.send(sid, subgroup(9) + vi(0) + vi(1 << 40))  # one object announcing 1 TiB
    return await push_until_limited(pub, [sid], 16 << 20)


async def push_bytes(c, sids, total, stall=1.5):
    """Writes zeros over `sids` under aioquic's flow control until the peer credited `total` bytes
    ("done"), closed ("close"), sent STOP_SENDING ("stop") or granted nothing for `stall` s
    ("stalled"); returns (reason, bytes credited)."""
    chunk = bytes(64 << 10)
    written, i = 0, 0
    last_progress, last_used = c.loop.time(), -1
    while True:
        used = c.conn._remote_max_data_used
        if c.conn.peer_close:
            return "close", used
        if any(s in c.stops for s in sids):
            return "stop", used
        if used >= total:
            return "done", used
        if used != last_used:
            last_used, last_progress = used, c.loop.time()
        elif c.loop.time() - last_progress > stall:
            return "stalled", used
        queued = sum(len(c.conn._streams[s].sender._buffer) for s in sids if s in c.conn._streams)
        if queued < (2 << 20) and written < total + (4 << 20):
            s = sids[i % len(sids)]
            i += 1
            c.send(s, chunk)
            written += len(chunk)
        await asyncio.sleep(0.002)


async def push_until_limited(c, sids, total, stall=1.5):
    """The peer passes if it cancels a stream, closes, or stops granting credit before `total`."""
    reason, used = await push_bytes(c, sids, total, stall)
    if reason == "done":
        return False, f"accepted {used >> 20} MiB (credit {c.conn._remote_max_data >> 20} MiB) without a limit"
    if reason == "close":
        return True, f"{describe_close(c.conn.peer_close)} after {used >> 10} KiB"
    if reason == "stop":
        code = next(c.stops[s] for s in sids if s in c.stops)
        return True, f"STOP_SENDING 0x{code:x} after {used >> 10} KiB"
    return True, f"credit withheld at {used >> 10} KiB"


@case("bytes-before-setup-bounded", "flow-control credit withheld, streams cancelled or a close: never 16 MiB accepted before SETUP",
      "draft-18 §3.3, §13.5; RFC 9000 §4.1", timeout=25.0)
async def _before_setup(port):
    c = await connect(port)
    sids = []
    for _ in range(8):
        s = c.open()
        c.send(s, vi(0x3) + b"\xff\xff")  # a SUBSCRIBE header announcing 65535 bytes
        sids.append(s)
    return await push_until_limited(c, sids, 16 << 20)


@case("setup-never-sent", close_expect("app", M_CONTROL_MESSAGE_TIMEOUT) + " within 30 s (client keeps pinging)",
      "draft-18 §3.5, §13.6", background=True, timeout=40.0)
async def _no_setup(port):
    c = await connect(port)
    deadline = c.loop.time() + 30
    while c.loop.time() < deadline and c.conn.peer_close is None:
        c.conn.send_ping(0)
        c.transmit()
        await asyncio.sleep(1.0)
    pc = c.conn.peer_close
    ok = pc is not None and pc[0] == "app" and pc[1] == M_CONTROL_MESSAGE_TIMEOUT
    return ok, describe_close(pc) if pc else "still open after 30 s"


# ===== Floods (RFC 9000 §5.2.2, §8.1, §21.2) =====
@case("handshake-flood-300-half-open", "each answered with at most 3x the bytes received (or refused); relay keeps serving",
      "RFC 9000 §8.1, §5.2.2, §21.2")
async def _half_open(port):
    t, p = await raw_socket()
    per = {}

    def count(data, addr):
        # Server long-header packets carry our SCID as their DCID.
        if len(data) > 6 and data[0] & 0x80:
            dl = data[5]
            cid = bytes(data[6:6 + dl])
            per[cid] = per.get(cid, 0) + len(data)
    p.datagram_received = count
    try:
        sent = {}
        for i in range(300):
            c = QuicConnection(configuration=QuicConfiguration(is_client=True, alpn_protocols=[ALPN], verify_mode=ssl.CERT_NONE))
            c.connect(("127.0.0.1", port), now=time.monotonic())
            for d, _ in c.datagrams_to_send(time.monotonic()):
                t.sendto(d, ("127.0.0.1", port))
                sent[c.host_cid] = sent.get(c.host_cid, 0) + len(d)
            if i % 50 == 49:
                await asyncio.sleep(0.02)
        await asyncio.sleep(1.5)
        answered = sum(1 for k in sent if per.get(k))
        over = [k for k in sent if per.get(k, 0) > 3 * sent[k]]
        ok = answered > 0 and not over
        return ok, f"{answered}/300 answered, {len(over)} over 3x (max {max(per.values(), default=0)} B for {max(sent.values())} B sent)"
    finally:
        t.close()


@case("connection-flood-100-sessions", "every session set up (or refused with CONNECTION_REFUSED); relay keeps serving",
      "RFC 9000 §5.2.2")
async def _flood(port):
    async def one():
        try:
            c = await connect(port, timeout=8.0)
            await c.setup()
            return "ok"
        except Exception as e:
            s = str(e)
            return "refused" if "CONNECTION_REFUSED" in s else s
    res = await asyncio.gather(*[one() for _ in range(100)])
    bad = [r for r in res if r not in ("ok", "refused")]
    return not bad, f"{res.count('ok')} set up, {res.count('refused')} refused, {len(bad)} failed" + (f" ({bad[0][:60]})" if bad else "")


# ---------------------------------------------------------------------------------------------
# Runner
# ---------------------------------------------------------------------------------------------
class Health:
    def __init__(self, port, relay_pid, sub_log):
        self.port, self.relay_pid, self.sub_log = port, relay_pid, sub_log

    def sub_status(self):
        if not self.sub_log:
            return True, ""
        try:
            lines = [ln for ln in open(self.sub_log).read().splitlines() if " objects, " in ln and " gaps" in ln]
        except OSError:
            return False, "no moq-sub log"
        if not lines:
            return True, "moq-sub: no status yet"
        last = lines[-1]
        parts = last.split(", ")
        gaps = next((p for p in parts if p.endswith(" gaps")), "0 gaps")
        ok = gaps.startswith("0 ")
        return ok, last.replace("moq-sub: ", "")

    async def check(self):
        if self.relay_pid:
            try:
                os.kill(self.relay_pid, 0)
            except OSError:
                return False, "moq-relay exited"
        try:
            c = await session(self.port)
            ok, obs = await session_alive(c)
            c.close()
            if not ok:
                return False, f"fresh session: {obs}"
        except Exception as e:
            return False, f"fresh session failed: {e}"
        return self.sub_status()


async def run_case(cs, port):
    start = time.monotonic()
    try:
        ok, obs = await asyncio.wait_for(cs.fn(port), cs.timeout)
    except asyncio.TimeoutError:
        ok, obs = False, f"case did not finish within {cs.timeout:g} s"
    except Exception as e:
        ok, obs = False, f"error: {type(e).__name__}: {e}"
    return ok, obs, time.monotonic() - start


def close_all(background=False):
    for c in CLIENTS + (BG_CLIENTS if background else []):
        c.close()
    CLIENTS.clear()
    if background:
        BG_CLIENTS.clear()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=False)
    ap.add_argument("--relay-pid", type=int)
    ap.add_argument("--sub-log")
    ap.add_argument("--only")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--results", help="write a TSV of name, result, expected, observed, reference")
    a = ap.parse_args()
    if a.list:
        for cs in CASES:
            print(f"{cs.name}\t{cs.expected}\t{cs.ref}")
        return 0
    cases = CASES
    if a.only:
        want = set(a.only.split(","))
        cases = [c for c in CASES if c.name in want]
    health = Health(a.port, a.relay_pid, a.sub_log)
    results = []
    bg = []
    for cs in cases:
        if cs.background:
            IN_BACKGROUND.set(True)
            bg.append((cs, asyncio.ensure_future(run_case(cs, a.port))))
            IN_BACKGROUND.set(False)
    for cs in cases:
        if cs.background:
            continue
        ok, obs, dt = await run_case(cs, a.port)
        close_all()
        hok, hobs = await health.check()
        results.append(report(cs, ok, obs, hok, hobs, dt))
    for cs, fut in bg:
        ok, obs, dt = await fut
        hok, hobs = await health.check()
        results.append(report(cs, ok, obs, hok, hobs, dt))
    close_all(background=True)
    passed = sum(1 for r in results if r[1])
    if a.results:
        with open(a.results, "w") as f:
            for r in results:
                f.write("\t".join([r[0], "pass" if r[1] else "FAIL", r[2], r[3], r[4]]) + "\n")
    print(f"hostile-client: {len(results)} cases, {passed} passed")
    return 0 if passed == len(results) else 1


def report(cs, ok, obs, hok, hobs, dt):
    good = ok and hok
    line = f"{'ok  ' if good else 'FAIL'} {cs.name}: expected {cs.expected}; observed {obs}"
    if not hok:
        line += f"; relay health: {hobs}"
    print(f"{line} [{cs.ref}] ({dt:.1f} s)", flush=True)
    return (cs.name, good, cs.expected, obs + ("" if hok else f"; health: {hobs}"), cs.ref)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
