#!/usr/bin/env bash
# The UDP impairment proxy used by the QUIC interop cases (scripts/peers/udp_impair.py), checked on its own
# with a UDP echo server: --drop-first-n drops exactly the first N datagrams each way, --loss drops about
# that share and the same seed drops the same datagrams, --delay adds the one-way delay in each direction,
# --reorder lets later datagrams overtake, and the counters it writes add up.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${AIOQUIC_PYTHON:-${BUILD_DIR:-.build}/venv-aioquic/bin/python}
[[ -x $PY ]] || PY=python3
exec "$PY" - <<'EOF'
import json, os, socket, subprocess, sys, tempfile, threading, time

def echo_server():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    def run():
        while True:
            data, addr = s.recvfrom(2048)
            s.sendto(data, addr)
    threading.Thread(target=run, daemon=True).start()
    return s.getsockname()[1]

def run(args, count, gap=0.0):
    """Sends `count` numbered datagrams through a proxy with `args`; returns (received ids in order, rtts, stats)."""
    port = echo_server()
    stats = tempfile.mktemp()
    proxy = subprocess.Popen([sys.executable, "scripts/peers/udp_impair.py", "--target", f"127.0.0.1:{port}",
                              "--stats", stats] + args, stdout=subprocess.PIPE, text=True)
    pport = int(proxy.stdout.readline().split()[1])
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # The echoes are read while sending, into a large buffer: a full receive buffer would drop echoes in the
    # client's own kernel socket, outside the proxy's seeded decisions, and make two runs with one seed differ.
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    c.settimeout(0.5)
    sent = {}
    got, rtts = [], []
    done_sending = threading.Event()
    def receive():
        while True:
            try:
                data, _ = c.recvfrom(2048)
            except socket.timeout:
                if done_sending.is_set():
                    break
                continue
            i = int.from_bytes(data[:4], "big")
            got.append(i)
            rtts.append(time.monotonic() - sent[i])
    receiver = threading.Thread(target=receive)
    receiver.start()
    for i in range(count):
        sent[i] = time.monotonic()
        c.sendto(i.to_bytes(4, "big") + b"x" * 100, ("127.0.0.1", pport))
        if gap:
            time.sleep(gap)
    done_sending.set()
    receiver.join()
    proxy.terminate()
    proxy.wait()
    with open(stats) as f:
        st = json.load(f)
    os.unlink(stats)
    return got, rtts, st

# drop-first-n: the first 3 client datagrams vanish, and the first 3 echoes of the rest.
got, _, st = run(["--drop-first-n", "3"], 10, gap=0.01)
assert got == list(range(6, 10)), got
assert st["c2s"]["dropped"] == 3 and st["s2c"]["dropped"] == 3 and st["s2c"]["forwarded"] == 4, st

# loss: about 10% each way (so ~19% of round trips), identical for the same seed, different for another.
a, _, st = run(["--loss", "10", "--seed", "5"], 1000, gap=0.0005)
b, _, _ = run(["--loss", "10", "--seed", "5"], 1000, gap=0.0005)
c, _, _ = run(["--loss", "10", "--seed", "6"], 1000, gap=0.0005)
assert sorted(a) == sorted(b), "same seed, same losses"
assert sorted(a) != sorted(c), "another seed, other losses"
assert 60 <= st["c2s"]["dropped"] <= 140 and st["c2s"]["seen"] == 1000, st
assert st["c2s"]["forwarded"] + st["c2s"]["dropped"] == 1000 and st["s2c"]["seen"] == st["c2s"]["forwarded"], st

# loss-first: loss only on the first 20 datagrams each way.
got, _, st = run(["--loss", "100", "--loss-first", "20"], 50, gap=0.002)
assert got == list(range(40, 50)), got   # 0-19 lost on the way there, the echoes of 20-39 on the way back
assert st["c2s"]["dropped"] == 20 and st["s2c"]["dropped"] == 20, st

# delay: 100 ms each way, so round trips of at least 200 ms.
_, rtts, _ = run(["--delay", "100"], 5, gap=0.01)
assert len(rtts) == 5 and min(rtts) >= 0.195 and max(rtts) < 0.6, rtts

# reorder: held-back datagrams arrive after later ones.
got, _, st = run(["--reorder", "30", "--seed", "2"], 200, gap=0.0005)
assert sorted(got) == list(range(200)), "reordering loses nothing"
assert got != sorted(got) and st["c2s"]["reordered"] > 20, st
print("udp_impair: pass")
EOF
