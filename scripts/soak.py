#!/usr/bin/env python3
"""The driver of scripts/soak.sh (which builds the namespaces and starts moq-relay and moq-pub).

    soak.py run --mode MODE --seconds S --interval I --subs N --relay-pid PID [--pin DIR] --stats FILE
                --ns NS --bin DIR --url URL --idle S --work DIR --csv FILE
        N moq-sub processes in namespace NS join and leave at random for S seconds: each stays 5-60 s,
        then ends by --duration (70%), SIGTERM (15%) or SIGKILL (15%: the relay must notice within the
        idle timeout), and another takes its place after 0-5 s. Every I seconds one CSV row: the
        relay's RSS and open fds (/proc/PID), its --stats gauges (SIGUSR1), the entries of the fast
        path's pinned BPF maps (bpftool; with --pin), and the subscribers' tallies. At the end every
        subscriber leaves (SIGTERM) and, after the idle timeout, one last row with stage "drained".
    soak.py plot CSV PNG   (matplotlib: run with .build/venv-bench/bin/python)
    soak.py summary CSV    one line per mode: growth of RSS/fds, what the drained relay still holds
"""
import csv
import ctypes
import json
import os
import random
import signal
import struct
import subprocess
import sys
import time

FIELDS = ["mode", "stage", "t_s", "subs_running", "subs_started", "subs_failed", "subs_lost_gaps",
          "relay_rss_mb", "relay_fds", "sessions", "subscriptions", "fast_path_subscribers",
          "bpf_local_cids", "bpf_subscribers_active", "bpf_track_subscribers", "bpf_streams", "bpf_sub_streams"]


def arg(name, default=None):
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    if default is None:
        sys.exit(f"soak.py: {name} is required")
    return default


def bpf_counts(pin):
    def dump(name):
        out = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", f"{pin}/{name}"], capture_output=True, text=True)
        if out.returncode != 0:
            return None
        return [(bytes(int(b, 16) for b in r["key"]), bytes(int(b, 16) for b in r["value"]))
                for r in json.loads(out.stdout) if "value" in r]
    c = {}
    rows = dump("fp_local_cids")
    c["bpf_local_cids"] = len(rows) if rows is not None else ""
    rows = dump("fp_subscribers")
    c["bpf_subscribers_active"] = sum(1 for _, v in rows if struct.unpack_from("<I", v, 0)[0]) if rows is not None else ""
    rows = dump("fp_tracks")
    c["bpf_track_subscribers"] = sum(struct.unpack_from("<I", v, 8)[0] for _, v in rows) if rows is not None else ""
    rows = dump("fp_streams")
    c["bpf_streams"] = len(rows) if rows is not None else ""
    rows = dump("fp_sub_streams")
    c["bpf_sub_streams"] = len(rows) if rows is not None else ""
    return c


def relay_stats(pid, path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    os.kill(pid, signal.SIGUSR1)
    for _ in range(50):
        try:
            with open(path) as f:
                return json.load(f)
        except (FileNotFoundError, json.JSONDecodeError):
            time.sleep(0.1)
    return {}


def proc_sample(pid):
    rss = 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    return round(rss, 1), len(os.listdir(f"/proc/{pid}/fd"))


def run():
    mode, seconds, interval = arg("--mode"), float(arg("--seconds")), float(arg("--interval"))
    target, pid, pin, stats_path = int(arg("--subs")), int(arg("--relay-pid")), arg("--pin", ""), arg("--stats")
    ns, bindir, url, idle, work = arg("--ns"), arg("--bin"), arg("--url"), arg("--idle"), arg("--work")
    csv_path = arg("--csv")
    rng = random.Random(int(arg("--seed", "1")))
    new_file = not os.path.exists(csv_path)
    out = open(csv_path, "a", newline="")
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    if new_file:
        writer.writeheader()

    subs = {}        # pid -> dict(proc, end, fate, report)
    starts = []      # times at which a new subscriber starts
    tally = {"started": 0, "failed": 0, "lost_gaps": 0, "killed": 0, "terminated": 0}
    errors = []
    t0 = time.monotonic()
    for _ in range(target):
        starts.append(t0 + rng.uniform(0, 10))

    def start_one(now):
        n = tally["started"]
        life = rng.uniform(5, 60)
        fate = rng.choices(["duration", "term", "kill"], [70, 15, 15])[0]
        report = f"{work}/{mode}-sub{n}.json"
        cmd = ["nsenter", f"--net=/run/netns/{ns}", f"{bindir}/moq-sub", "--relay", url, "--insecure", "--allow-cleartext",
               "--idle-timeout", idle, "--report", report]
        if fate == "duration":
            cmd += ["--duration", f"{life:.1f}"]
        err = open(f"{work}/{mode}-sub{n}.err", "w")
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=die_with_parent)
        err.close()
        subs[p.pid] = {"proc": p, "end": now + life, "fate": fate, "report": report, "n": n}
        tally["started"] += 1

    def reap(now):
        for key, s in list(subs.items()):
            p = s["proc"]
            if p.poll() is None:
                if s["fate"] == "term" and now >= s["end"]:
                    p.send_signal(signal.SIGTERM)
                    s["fate"] = "terminating"
                elif s["fate"] == "kill" and now >= s["end"]:
                    p.kill()
                    s["fate"] = "killed"
                elif s["fate"] == "duration" and now >= s["end"] + 30:
                    p.kill()  # hung: counted as a failure below
                    s["fate"] = "hung"
                continue
            del subs[key]
            rc = p.returncode
            if s["fate"] == "killed":
                tally["killed"] += 1
            else:
                if s["fate"] == "terminating":
                    tally["terminated"] += 1
                # SIGTERM before moq-sub installed its handler (it had just started) ends it by the signal.
                if rc != 0 and not (s["fate"] == "terminating" and rc == -signal.SIGTERM):
                    tally["failed"] += 1
                    errors.append(f"sub{s['n']} ({s['fate']}) exit {rc}: {tail(work + '/' + mode + '-sub' + str(s['n']) + '.err')}")
            try:
                with open(s["report"]) as f:
                    r = json.load(f)
                tally["lost_gaps"] += sum(1 for g in r["gaps"] if g["reason"] == "lost")
            except (FileNotFoundError, json.JSONDecodeError, KeyError):
                pass
            if not stopping:
                starts.append(now + rng.uniform(0, 5))

    def sample(stage, now):
        rss, fds = proc_sample(pid)
        st = relay_stats(pid, stats_path)
        row = {"mode": mode, "stage": stage, "t_s": round(now - t0, 1), "subs_running": len(subs),
               "subs_started": tally["started"], "subs_failed": tally["failed"], "subs_lost_gaps": tally["lost_gaps"],
               "relay_rss_mb": rss, "relay_fds": fds, "sessions": st.get("sessions", ""),
               "subscriptions": st.get("subscriptions", ""),
               "fast_path_subscribers": (st.get("fast_path") or {}).get("fast_path_subscribers", "")}
        row.update(bpf_counts(pin) if pin else {k: "" for k in FIELDS if k.startswith("bpf_")})
        writer.writerow(row)
        out.flush()
        print(" ".join(f"{k}={row[k]}" for k in FIELDS[1:] if row[k] != ""), flush=True)
        return row

    def on_term(*_):
        for s in subs.values():
            s["proc"].kill()
        sys.exit(143)
    signal.signal(signal.SIGTERM, on_term)
    stopping = False
    next_sample = t0 + interval
    sample("run", t0)
    while True:
        now = time.monotonic()
        if now - t0 >= seconds:
            break
        reap(now)
        due = [s for s in starts if s <= now]
        for s in due:
            starts.remove(s)
            start_one(now)
        if now >= next_sample:
            sample("run", now)
            next_sample += interval
        time.sleep(0.2)
    stopping = True
    for s in subs.values():
        if s["proc"].poll() is None:
            s["proc"].send_signal(signal.SIGTERM)
            s["fate"] = "terminating"
    deadline = time.monotonic() + 15
    while subs and time.monotonic() < deadline:
        reap(time.monotonic())
        time.sleep(0.2)
    for s in subs.values():
        s["proc"].kill()
    # Killed subscribers are noticed within the idle timeout; the fast path's cleanup follows. If the
    # relay still holds subscribers then, sample every 5 s for up to a minute more until it lets go.
    left = time.monotonic()
    time.sleep(float(idle) + 3)
    row = sample("drained", time.monotonic())
    while holds_subscribers(row) and time.monotonic() - left < 60 + float(idle):
        time.sleep(5)
        row = sample("drained", time.monotonic())
    print(f"{mode}: {'still holds subscribers' if holds_subscribers(row) else 'drained'} "
          f"{time.monotonic() - left:.0f} s after the last subscriber left", flush=True)
    print(f"{mode}: {tally['started']} subscribers started, {tally['killed']} SIGKILLed, {tally['terminated']} SIGTERMed, "
          f"{tally['failed']} failed, {tally['lost_gaps']} unexplained gaps", flush=True)
    for e in errors[:10]:
        print("  " + e, flush=True)


def holds_subscribers(row):
    """Whether the relay still has more than the publisher's session, or fast-path subscriber state."""
    def n(k):
        return row.get(k) if isinstance(row.get(k), int) else 0
    return n("sessions") > 1 or any(n(k) for k in ("fast_path_subscribers", "bpf_subscribers_active", "bpf_sub_streams"))


def die_with_parent():
    """In the child before exec: SIGKILL when the driver dies (PR_SET_PDEATHSIG = 1)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


def tail(path):
    try:
        with open(path) as f:
            lines = [l.strip() for l in f if l.strip() and "warning" not in l]
        return lines[-1] if lines else ""
    except FileNotFoundError:
        return ""


def load(path):
    rows = list(csv.DictReader(open(path)))
    for r in rows:
        for k in FIELDS[2:]:
            r[k] = float(r[k]) if r[k] not in ("", None) else None
    return rows


def summary():
    rows = load(sys.argv[2])
    status = 0
    for mode in dict.fromkeys(r["mode"] for r in rows):
        run_rows = [r for r in rows if r["mode"] == mode and r["stage"] == "run" and r["subs_running"]]
        drained = [r for r in rows if r["mode"] == mode and r["stage"] == "drained"]
        if not run_rows:
            continue
        last = [r for r in rows if r["mode"] == mode][-1]
        half = run_rows[len(run_rows) // 2:]
        span_min = max((half[-1]["t_s"] - half[0]["t_s"]) / 60, 1e-9)
        rss_slope = (half[-1]["relay_rss_mb"] - half[0]["relay_rss_mb"]) / span_min if len(half) > 1 else 0.0
        fds = [r["relay_fds"] for r in run_rows]
        line = (f"{mode}: RSS {run_rows[0]['relay_rss_mb']:.0f} -> {run_rows[-1]['relay_rss_mb']:.0f} MB "
                f"(max {max(r['relay_rss_mb'] for r in run_rows):.0f}, second half {rss_slope:+.1f} MB/min), "
                f"fds {fds[0]:.0f} -> {fds[-1]:.0f} (max {max(fds):.0f}), "
                f"{last['subs_started']:.0f} subscribers started, {last['subs_failed']:.0f} failed, "
                f"{last['subs_lost_gaps']:.0f} unexplained gaps")
        if drained:
            first = drained[0]
            if len(drained) > 1:
                line += (f"; {first['t_s'] - run_rows[-1]['t_s']:.0f} s after the last sample the relay still held "
                         f"sessions {first['sessions']:.0f}, fast-path subscribers {first['fast_path_subscribers'] or 0:.0f}")
            d = drained[-1]
            held = {k: d[k] for k in ("sessions", "subscriptions", "fast_path_subscribers", "bpf_local_cids",
                                       "bpf_subscribers_active", "bpf_track_subscribers", "bpf_sub_streams") if d[k] is not None}
            line += f"; drained: RSS {d['relay_rss_mb']:.0f} MB, fds {d['relay_fds']:.0f}, " + \
                ", ".join(f"{k} {v:.0f}" for k, v in held.items())
            # Only the publisher may remain: one session, its fast-path upstream, no subscriber anywhere.
            leftovers = [k for k in ("fast_path_subscribers", "bpf_subscribers_active", "bpf_track_subscribers",
                                     "bpf_sub_streams") if held.get(k)]
            if held.get("sessions", 1) > 1:
                leftovers.append("sessions")
            if leftovers:
                line += f" -- LEFT BEHIND: {', '.join(leftovers)}"
                status = 1
        print(line)
    return status


def plot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = load(sys.argv[2])
    modes = list(dict.fromkeys(r["mode"] for r in rows))
    style = {"user": "tab:blue", "ebpf": "tab:red"}
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True)
    panels = [("relay_rss_mb", "relay RSS (MB)"), ("relay_fds", "relay open fds"),
              ("subs_running", "subscribers running / relay sessions"), ("bpf_local_cids", "BPF map entries (--ebpf)")]
    for ax, (key, title) in zip(axes.flat, panels):
        for m in modes:
            rs = [r for r in rows if r["mode"] == m]
            c = style.get(m)
            if key == "bpf_local_cids":
                for k, ls in (("bpf_local_cids", "-"), ("bpf_sub_streams", "--"), ("bpf_track_subscribers", ":")):
                    pts = [(r["t_s"], r[k]) for r in rs if r[k] is not None]
                    if pts:
                        ax.plot(*zip(*pts), ls, color=c, label=f"{m}: {k[4:]}")
                continue
            pts = [(r["t_s"], r[key]) for r in rs if r[key] is not None]
            if pts:
                ax.plot(*zip(*pts), "-", marker=".", color=c, label=m)
            if key == "subs_running":
                pts = [(r["t_s"], r["sessions"]) for r in rs if r["sessions"] is not None]
                if pts:
                    ax.plot(*zip(*pts), "--", color=c, label=f"{m}: relay sessions")
            drained = [r for r in rs if r["stage"] == "drained" and r[key] is not None]
            for r in drained:
                ax.plot([r["t_s"]], [r[key]], "x", color=c, markersize=9)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    for ax in axes[1]:
        ax.set_xlabel("seconds into the phase (x: after every subscriber left)")
    fig.suptitle("moq-relay soak: subscribers joining and leaving at random, looping publisher")
    fig.tight_layout()
    fig.savefig(sys.argv[3], dpi=90)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmd = sys.argv[1]
    if cmd == "run":
        run()
    elif cmd == "plot":
        plot()
    elif cmd == "summary":
        sys.exit(summary())
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
