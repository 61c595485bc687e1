#!/usr/bin/env python3
"""The fan-out benchmark's bookkeeping (scripts/bench/relay-fanout.sh): one run's figures, the table,
the CSV files, the search verdicts and the transit ratio.

    fanout.py row RUN_DIR ARGS.json >> runs.jsonl   one run's record (JSON line) from its directory
    fanout.py table runs.jsonl                       the printed table
    fanout.py csv runs.jsonl OUT_DIR                 OUT_DIR/fanout.csv (one row per run) and
                                                     OUT_DIR/transit-hist.csv (every run's histogram)
    fanout.py verdict runs.jsonl MODE N              "pass" or "fail" (the search's criterion)
    fanout.py ratio runs.jsonl                       "transit_p50_ratio=X" (user space / --ebpf)
    fanout.py bpfstat PID                            BPF run time of the fast path's programs of PID
"""
import collections
import csv
import json
import os
import re
import statistics
import subprocess
import sys

NAN = float("nan")
# Modes whose relay we can read cleartext packets of (transit probe), and those with LOC latency.
LATENCY_NA = {"moqrs"}
# Modes with the kernel fast path: cleartext (ebpf) and encrypted (ebpfenc: the kernel seals every copy).
KERNEL_MODES = {"ebpf", "ebpfenc"}


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def reports(out, procs, n):
    """Per-subscriber reports (a --sessions report is expanded into its sessions) and a Counter of
    the failures' reasons."""
    reps, why = [], collections.Counter()
    for k in range(1, procs + 1):
        r = load(os.path.join(out, f"sub{k}.json"))
        if r is None:
            try:
                lines = [l.strip() for l in open(os.path.join(out, f"sub{k}.err"), errors="replace") if l.strip()]
            except OSError:
                lines = []
            why[(lines[-1][:100] if lines else "(no stderr)")] += 1
            continue
        if "per_session" in r:
            for s in r["per_session"]:
                if s is not None:
                    reps.append(s)
            for f in r.get("failures", []):
                why[re.sub(r"^session \d+: ", "", f)[:100]] += 1
        else:
            reps.append(r)
    return reps, why


def bpfstat(pid):
    """run_time_ns / run_cnt summed over the BPF programs PID holds open (its /proc/PID/fdinfo prog_id
    lines: the fast path's fp_* programs), so another relay's programs on the machine do not count."""
    ids = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fdinfo"):
            try:
                for line in open(f"/proc/{pid}/fdinfo/{fd}"):
                    if line.startswith("prog_id:"):
                        ids.add(int(line.split()[1]))
            except (OSError, ValueError):
                pass
    except OSError:
        pass
    t = c = 0
    names = []
    for i in sorted(ids):
        try:
            p = json.loads(subprocess.run(["bpftool", "-j", "prog", "show", "id", str(i)], check=True,
                                          capture_output=True, text=True).stdout)
        except (OSError, subprocess.CalledProcessError, ValueError):
            continue
        names.append(p.get("name", "?"))
        t += p.get("run_time_ns", 0)
        c += p.get("run_cnt", 0)
    return {"run_time_ns": t if names else None, "run_cnt": c if names else None, "progs": names,
            "prog_ids": sorted(ids)}


def row(out, a):
    """One run's record. a: the shell's measurements (see relay-fanout.sh)."""
    n, mode = a["n"], a["mode"]
    reps, why = reports(out, a["procs"], n)
    stats = load(os.path.join(out, "relay.json"))
    transit = load(os.path.join(out, "transit.json"))
    bpf0, bpf1 = load(os.path.join(out, "bpf0.json")), load(os.path.join(out, "bpf1.json"))
    relay_dead = a["relay_dead"]
    cpu = a["cpu_ticks"] / a["tck"] if relay_dead != 1 else NAN
    wall = a["t1"] - a["t0"]
    gb = sum(r["bytes"] for r in reps) / 1e9
    m0, m1 = a["m0"], a["m1"]
    busy, idle = m1[0] - m0[0], m1[1] - m0[1]
    window = a["duration"] if a["pacing"] else wall
    rates = [r["bytes"] * 8 / window / 1e6 for r in reps] + [0.0] * max(0, n - len(reps))
    lat = bool(reps) and mode not in LATENCY_NA
    rec = collections.OrderedDict()
    rec["mode"], rec["subs"] = mode, n
    rec["search"] = a.get("search", 0)
    rec["wall_s"] = wall
    rec["cpu_s"] = cpu
    rec["cores"] = cpu / wall
    rec["cpu_s_per_gb"] = cpu / gb if gb else NAN
    rec["rss_mb"] = a["rss_kb"] / 1024 if a["rss_kb"] else NAN
    rec["obj_per_s"] = stats["objects_out"] / wall if stats is not None else NAN
    rec["mbps_per_sub"] = statistics.mean(rates) if rates else NAN
    rec["min_sub_mbps"] = min(rates) if rates else NAN
    rec["mbps_all"] = sum(rates)
    rec["p50_ms"] = statistics.median(r["latency_us"]["p50"] for r in reps) / 1000 if lat else NAN
    rec["p99_ms"] = max(r["latency_us"]["p99"] for r in reps) / 1000 if lat else NAN
    rec["p99med_ms"] = statistics.median(r["latency_us"]["p99"] for r in reps) / 1000 if lat else NAN
    rec["gaps"] = sum(1 for r in reps for g in r["gaps"] if g["reason"] != "skipped at join")
    rec["joins"] = sum(1 for r in reps for g in r["gaps"] if g["reason"] == "skipped at join")
    rec["fastpath_pkts"] = stats.get("packets_fast_path", 0) if stats is not None else NAN
    rec["busy_pct"] = 100 * busy / (busy + idle) if busy + idle else NAN
    rec["load"] = a["load"]
    # Transit delay (bpf/transit.bpf.c): every matched packet of the run, and per path.
    t_all = transit["paths"]["all"] if transit else None
    ok = bool(t_all and t_all["histogram_total"])
    for k in ("p50", "p90", "p99", "max", "jitter"):
        rec[f"transit_{k}_us"] = t_all[f"{k}_us"] if ok else NAN
    rec["transit_matched"] = t_all["matched"] if t_all else NAN
    rec["transit_match_pct"] = 100 * t_all["match_rate"] if t_all and t_all["match_rate"] is not None else NAN
    for p, short in (("local", "user"), ("forwarded", "kernel")):
        s = transit["paths"][p] if transit else None
        rec[f"transit_{short}_matched"] = s["matched"] if s else NAN
        rec[f"transit_{short}_p50_us"] = s["p50_us"] if s and s["histogram_total"] else NAN
        rec[f"transit_{short}_p99_us"] = s["p99_us"] if s and s["histogram_total"] else NAN
    probe = (transit or {}).get("probe_run", {})
    rec["probe_s"] = sum(v["run_time_ns"] for v in probe.values()) / 1e9 if probe else NAN
    # Kernel run time of the fast path's programs over the run (kernel.bpf_stats_enabled).
    # The probe's egress program runs inside the fast path's clones (bpf_clone_redirect -> egress), so
    # its time on forwarded packets is in the fast path's run time: taken out.
    nested = (transit or {}).get("counters", {}).get("egress_ns_forwarded", 0) / 1e9
    rec["probe_in_fastpath_s"] = nested
    if bpf0 and bpf1 and bpf0.get("run_time_ns") is not None and bpf1.get("run_time_ns") is not None:
        rec["bpf_s"] = max(0.0, (bpf1["run_time_ns"] - bpf0["run_time_ns"]) / 1e9 - nested)
        rec["bpf_runs"] = bpf1["run_cnt"] - bpf0["run_cnt"]
    else:
        rec["bpf_s"] = 0.0 if mode not in KERNEL_MODES else NAN
        rec["bpf_runs"] = 0 if mode not in KERNEL_MODES else NAN
    gbps = rec["mbps_all"] / 1000
    total_cpu = cpu + (rec["bpf_s"] if rec["bpf_s"] == rec["bpf_s"] else 0.0)
    rec["cores_per_gbps"] = total_cpu / wall / gbps if gbps else NAN
    sent = None
    if stats is not None:
        sent = stats.get("packets_fast_path", 0) + stats.get("packets_user_space", 0)
    acks = stats.get("ack_frames_received") if stats is not None else None
    rec["acks_per_pkt"] = acks / sent if acks is not None and sent else NAN
    fp = (stats or {}).get("fast_path") or {}
    fwd = (stats or {}).get("packets_fast_path", 0)
    us_media = fp.get("user_space_media_packets_fast_path_subscribers")
    rec["fastpath_share_pct"] = 100 * fwd / (fwd + us_media) if mode in KERNEL_MODES and us_media is not None and fwd + us_media else NAN
    rec["loadgen_cpu_s"] = a["loadgen_cpu_s"]
    rec["sub_procs"] = a["procs"]
    rec["sessions_per_proc"] = a["sessions_per_proc"]
    rec["failed_subs"] = max(0, n - len(reps))
    floor = 0.95 * a["media_bps"] / 1e6 if a["media_bps"] else NAN
    rec["subs_below_95pct"] = sum(1 for r in rates if r < floor) if floor == floor else NAN
    rec["relay_dead"] = relay_dead
    notes = []
    if relay_dead:
        crash = ""
        try:
            err = open(os.path.join(out, "relay.err"), errors="replace").read().splitlines()
            for i, l in enumerate(err):
                if "Program crashed" in l or "Fatal error" in l:
                    crash = l.strip("* ")
                    start = next((j for j in range(i + 1, len(err)) if err[j].rstrip().endswith(" crashed:")), None)
                    for e in err[start + 1:] if start is not None else []:
                        m = re.search(r"0x[0-9a-f]+ (.+?) in \S+ at (\S+?)(:\d+)", e)
                        if m and "compiler-generated" not in m.group(2):
                            crash += f" in {m.group(1)} ({os.path.basename(m.group(2))}{m.group(3)})"
                            break
                    break
        except OSError:
            pass
        notes.append(("relay exited during the run" if relay_dead == 1 else "relay failed to stop cleanly")
                     + (f": {crash}" if crash else ""))
    if a["failed"] or len(reps) < n:
        w = "; ".join(f"{c}x '{l}'" for l, c in why.most_common(2))
        notes.append(f"{a['failed']} process(es) failed, {len(reps)}/{n} reports" + (f": {w}" if w else ""))
    if a["ts1"] - a["ts0"] > 1:
        notes.append(f"subs started over {a['ts1'] - a['ts0']:.1f} s")
    rec["notes"] = "; ".join(notes)
    rec["pass"] = int(passes(rec))
    return rec


def passes(r):
    """The search's criterion: every subscriber reported, none below 95% of the clip's rate, no gap
    other than "skipped at join", the relay alive."""
    return (r["failed_subs"] == 0 and r["relay_dead"] == 0 and r["gaps"] == 0
            and r["subs_below_95pct"] == 0)


def read_runs(path):
    runs = []
    with open(path) as f:
        for line in f:
            if line.strip():
                runs.append(json.loads(line))
    return runs


def fmt(v, spec, width):
    if v is None or (isinstance(v, float) and v != v):
        return f"{'n/a':>{width}}"
    return f"{v:{width}{spec}}"


COLUMNS = [  # header, key, format, width
    ("mode", "mode", "s", -7), ("subs", "subs", "d", 5), ("wall_s", "wall_s", ".1f", 6),
    ("cpu_s", "cpu_s", ".2f", 7), ("cores", "cores", ".2f", 5), ("cpu_s/GB", "cpu_s_per_gb", ".1f", 8),
    ("rss_MB", "rss_mb", ".0f", 6), ("obj/s", "obj_per_s", ".0f", 7), ("Mbps/sub", "mbps_per_sub", ".2f", 8),
    ("min_sub", "min_sub_mbps", ".2f", 7), ("Mbps_all", "mbps_all", ".1f", 8), ("p50_ms", "p50_ms", ".2f", 7),
    ("p99_ms", "p99_ms", ".2f", 8), ("p99med", "p99med_ms", ".2f", 8), ("gaps", "gaps", "d", 5),
    ("joins", "joins", "d", 5), ("fastpath", "fastpath_pkts", "d", 9), ("busy%", "busy_pct", ".0f", 5),
    ("load", "load", "s", 5), ("tr_p50us", "transit_p50_us", ".1f", 8), ("tr_p99us", "transit_p99_us", ".1f", 9),
    ("tr_match%", "transit_match_pct", ".1f", 9), ("bpf_s", "bpf_s", ".3f", 7),
    ("cores/Gbps", "cores_per_gbps", ".3f", 10), ("acks/pkt", "acks_per_pkt", ".3f", 8),
    ("fp_share%", "fastpath_share_pct", ".1f", 9), ("lg_cpu_s", "loadgen_cpu_s", ".2f", 8),
]


def table(runs):
    head = " ".join(f"{h:<{-w}}" if w < 0 else f"{h:>{w}}" for h, _, _, w in COLUMNS)
    print(head)
    for r in runs:
        cells = []
        for _, k, spec, w in COLUMNS:
            v = r.get(k)
            if w < 0:
                cells.append(f"{str(v):<{-w}}")
            elif spec == "d" and isinstance(v, (int, float)) and v == v:
                cells.append(f"{int(v):>{w}d}")
            elif spec == "s":
                cells.append(f"{str(v):>{w}}")
            else:
                cells.append(fmt(v, spec, w))
        line = " ".join(cells)
        if r.get("search"):
            line += "  [search]"
        if r.get("notes"):
            line += f"  ({r['notes']})"
        print(line)


def write_csv(runs, out_dir, run_root):
    keys = list(runs[0].keys()) if runs else []
    with open(os.path.join(out_dir, "fanout.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(keys)
        for r in runs:
            w.writerow(["" if isinstance(r.get(k), float) and r[k] != r[k] else
                        (f"{r[k]:.6g}" if isinstance(r.get(k), float) else r.get(k)) for k in keys])
    with open(os.path.join(out_dir, "transit-hist.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["mode", "subs", "search", "path", "lo_ns", "hi_ns", "count"])
        for r in runs:
            t = load(os.path.join(run_root, r["dir"], "transit.json")) if r.get("dir") else None
            if not t:
                continue
            for path, rows in t["buckets"].items():
                for lo, hi, c in rows:
                    w.writerow([r["mode"], r["subs"], r.get("search", 0), "user" if path == "local" else "kernel", lo, hi, c])


def ratio(runs):
    """User-space / --ebpf transit p50 (every matched packet of each run) at the largest N where both
    modes matched packets. Returns (ratio, N, clear p50, ebpf p50, ebpf kernel-path p50)."""
    best = {}
    for r in runs:
        p = r.get("transit_p50_us")
        if r["mode"] in ("clear", "ebpf") and isinstance(p, (int, float)) and p == p and p > 0:
            best[(r["mode"], r["subs"])] = r
    common = sorted({n for m, n in best if ("clear", n) in best and ("ebpf", n) in best})
    if not common:
        return None, None, None, None, None
    n = common[-1]
    c, e = best[("clear", n)], best[("ebpf", n)]
    return (c["transit_p50_us"] / e["transit_p50_us"], n, c["transit_p50_us"], e["transit_p50_us"],
            e.get("transit_kernel_p50_us"))


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "row":
        a = json.load(open(sys.argv[3]))
        rec = row(sys.argv[2], a)
        rec["dir"] = os.path.basename(sys.argv[2].rstrip("/"))
        print(json.dumps(rec))
    elif cmd == "table":
        table(read_runs(sys.argv[2]))
    elif cmd == "csv":
        write_csv(read_runs(sys.argv[2]), sys.argv[3], os.path.dirname(os.path.abspath(sys.argv[2])))
    elif cmd == "verdict":
        mode, n = sys.argv[3], int(sys.argv[4])
        rs = [r for r in read_runs(sys.argv[2]) if r["mode"] == mode and r["subs"] == n]
        print("pass" if rs and passes(rs[-1]) else "fail")
    elif cmd == "ratio":
        x, n, c, e, k = ratio(read_runs(sys.argv[2]))
        if x is None:
            print("transit_p50_ratio=n/a")
        else:
            kp = f"{k:.1f} us" if isinstance(k, (int, float)) and k == k else "n/a"
            print(f"# transit p50 at N = {n}: user space (mode clear) {c:.1f} us / --ebpf {e:.1f} us "
                  f"(every copy; the fast path's own copies alone: {kp})", flush=True)
            print(f"transit_p50_ratio={x:.2f}")
    elif cmd == "bpfstat":
        print(json.dumps(bpfstat(int(sys.argv[2]))))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
