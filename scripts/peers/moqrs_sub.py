"""moq-rs as a MoQ subscriber, for interop tests.

Usage: moqrs_sub.py URL NAMESPACE TRACK SECONDS
Waits for NAMESPACE to be announced (moq-rs discovers it with SUBSCRIBE_NAMESPACE), subscribes to
TRACK, and prints one line per group ("group ID frames N bytes B") and a summary line
("groups G frames F bytes B") after SECONDS or when the track ends.
"""
import asyncio
import sys

import moq


async def main() -> None:
    url, namespace, track_name, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    moq.log_level("warn")
    groups = frames = nbytes = 0
    async with moq.Client(url, tls_verify=False, reconnect=False) as client:
        broadcast = await asyncio.wait_for(client.announced_broadcast(namespace), 10)
        track = await broadcast.subscribe_track(track_name)

        async def consume() -> None:
            nonlocal groups, frames, nbytes
            async for group in track:
                n = size = 0
                async for frame in group:
                    n += 1
                    size += len(bytes(frame.payload))
                groups += 1
                frames += n
                nbytes += size
                print(f"group {group.sequence} frames {n} bytes {size}", flush=True)

        try:
            await asyncio.wait_for(consume(), seconds)
        except asyncio.TimeoutError:
            pass
    print(f"groups {groups} frames {frames} bytes {nbytes}", flush=True)


asyncio.run(main())
