#!/usr/bin/env python3
"""A client publishing many tracks of large objects through a running moq-relay (draft-18 over raw
QUIC, ALPN moqt-18), for the relay-wide cache bound test (scripts/tests/relay-cache-bound.sh).

Usage: many_tracks.py --port PORT [--tracks 50] [--groups 4] [--objects 4] [--object-bytes 65536]

One session announces a namespace; subscriber sessions (25 subscriptions each, under the relay's
per-session limit) subscribe to every track of it, so the relay subscribes upstream once per track;
the publisher answers each SUBSCRIBE with its own alias and then sends, group after group, one
subgroup stream per track and group holding OBJECTS objects of OBJECT_BYTES bytes each (FIN at the
end). The subscribers read and count what they receive. Prints
`many-tracks: published N bytes in T objects over K tracks; subscribers received M bytes` and exits 0,
or 1 with the reason.
"""
import argparse
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_client as hc  # noqa: E402

_on_data = hc.Client.on_data


def _counting_on_data(self, sid, data, fin):
    """Data streams are only counted (the catalogue's client keeps and re-parses every byte)."""
    s = self.streams.get(sid)
    if s is None and sid & 0x2 and data:
        r = hc.read_vi(data, 0)
        if r is not None and r[0] != 0x2F00:
            s = self.streams[sid] = {"buf": bytearray(), "fin": False, "msgs": [], "pos": 0, "kind": "data"}
    if s is not None and s.get("kind") == "data":
        self.data_bytes = getattr(self, "data_bytes", 0) + len(data)
        return
    _on_data(self, sid, data, fin)


hc.Client.on_data = _counting_on_data


async def run(a):
    ns = f"many-tracks-{os.getpid()}"
    names = [f"t{i}" for i in range(a.tracks)]
    pub = await hc.session(a.port)
    sid = pub.request(hc.publish_namespace(pub.req_id(), [ns]))
    if not await pub.until(lambda: pub.msgs(sid), 5) or pub.msgs(sid)[0][0] != 0x7:
        raise RuntimeError(f"PUBLISH_NAMESPACE not accepted: {pub.msgs(sid)}")
    subs = []
    for i in range(0, len(names), 25):
        s = await hc.session(a.port)
        for n in names[i:i + 25]:
            s.request(hc.subscribe(s.req_id(), [ns], n))
        subs.append(s)

    def upstream_requests():
        return sorted(s for s, v in pub.streams.items() if s % 4 == 1 and v["msgs"] and v["msgs"][0][0] == 0x3)

    if not await pub.until(lambda: len(upstream_requests()) >= a.tracks, 10):
        raise RuntimeError(f"the relay subscribed upstream to {len(upstream_requests())} of {a.tracks} tracks")
    aliases = []
    for k, req in enumerate(upstream_requests()):
        alias = 100 + k
        pub.send(req, hc.subscribe_ok(alias))
        aliases.append(alias)
    await asyncio.sleep(0.5)
    payload = bytes(a.object_bytes)
    sent = objects = 0
    for g in range(a.groups):
        for alias in aliases:
            stream = pub.open(uni=True)
            data = hc.subgroup(alias, g)
            for _ in range(a.objects):
                data += hc.vi(0) + hc.vi(len(payload)) + payload
            pub.send(stream, data, fin=True)
            sent += a.objects * len(payload)
            objects += a.objects
            # Keep aioquic's send buffers short: the relay's credit paces the publisher.
            while sum(len(st.sender._buffer) for st in pub.conn._streams.values()) > (4 << 20):
                if pub.conn.peer_close or pub.terminated:
                    raise RuntimeError(f"publisher closed: {hc.describe_close(pub.conn.peer_close)}")
                await asyncio.sleep(0.005)
    if not await pub.until(lambda: all(len(st.sender._buffer) == 0 for st in pub.conn._streams.values()), 60):
        raise RuntimeError("the relay did not take everything within 60 s")
    await asyncio.sleep(a.linger)
    received = sum(getattr(s, "data_bytes", 0) for s in subs)
    print(f"many-tracks: published {sent} bytes in {objects} objects over {len(aliases)} tracks; "
          f"subscribers received {received} bytes", flush=True)
    for c in [pub] + subs:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tracks", type=int, default=50)
    ap.add_argument("--groups", type=int, default=4)
    ap.add_argument("--objects", type=int, default=4)
    ap.add_argument("--object-bytes", type=int, default=64 << 10)
    ap.add_argument("--linger", type=float, default=1.0, help="seconds to stay connected after the last byte left")
    a = ap.parse_args()
    try:
        asyncio.run(run(a))
    except Exception as e:  # noqa: BLE001
        print(f"many-tracks: FAIL: {e}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
