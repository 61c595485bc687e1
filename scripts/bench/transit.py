#!/usr/bin/env python3
"""Reads the transit-delay probe (bpf/transit.bpf.c) and summarises it.

    transit.py read PIN_DIR          JSON on stdout: counters, per path (local = sent by a socket of the
                                     relay's namespace, i.e. the user-space relay; forwarded = came in on
                                     an interface, i.e. the kernel fast path; all = both) the matched
                                     (by_anchor: of them, through the content index) and missed packets,
                                     match rate, p50/p90/p99/max/mean and jitter (p99 - p50) in
                                     microseconds, the non-empty histogram buckets, and the probe's own
                                     run time when kernel.bpf_stats_enabled is on
    transit.py show FILE.json        one line per path, human-readable

PIN_DIR is where scripts/bench/transit-lib.bash pinned the object: PIN_DIR/maps/transit_{hist,counters},
PIN_DIR/progs/transit_{ingress,egress}. Per-CPU values are summed (maxima: the largest). Percentiles are
interpolated linearly inside the bucket that holds them (buckets are at most 6.25% wide) and capped by
the exact maximum.
"""
import json
import subprocess
import sys

BUCKETS = 608  # TRANSIT_BUCKETS
COUNTERS = ["in_segments", "in_recorded", "in_gso", "out_segments", "out_ineligible", "out_gso",
            "match_local", "miss_local", "match_forwarded", "miss_forwarded",
            "sum_ns_local", "sum_ns_forwarded", "max_ns_local", "max_ns_forwarded",
            "index_segments", "index_anchors", "anchor_local", "anchor_forwarded", "index_too_big", "nested",
            "egress_ns_forwarded"]
PATHS = ["local", "forwarded"]


def bucket_bounds(idx):
    """[lo, hi) in ns of histogram bucket idx (see bucket_of in bpf/transit.bpf.c)."""
    if idx < 16:
        return idx, idx + 1
    e, m = idx // 16 + 3, idx % 16
    return (16 + m) << (e - 4), (17 + m) << (e - 4)


def bucket_of(ns):
    """The bucket of a delay in ns, as the kernel computes it (for tests)."""
    if ns < 16:
        return ns
    e = ns.bit_length() - 1
    return min((e - 3) * 16 + ((ns >> (e - 4)) & 15), BUCKETS - 1)


def dump(path):
    out = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", path], check=True,
                         capture_output=True, text=True).stdout
    res = {}
    for e in json.loads(out):
        f = e.get("formatted")
        if f is not None:
            key, vals = f["key"], [v["value"] for v in f["values"]]
        else:
            key = int.from_bytes(bytes(int(b, 16) for b in e["key"]), "little")
            vals = [int.from_bytes(bytes(int(b, 16) for b in v["value"]), "little") for v in e["values"]]
        res[key] = vals
    return res


def percentile(hist, total, q, vmax):
    """hist: {bucket: count}. The q-quantile in ns."""
    if not total:
        return None
    rank = q * total
    cum = 0
    for idx in sorted(hist):
        c = hist[idx]
        if cum + c >= rank:
            lo, hi = bucket_bounds(idx)
            v = lo + (hi - lo) * ((rank - cum) / c if c else 0)
            return min(v, vmax) if vmax else v
        cum += c
    return vmax


def summarise(hist, matched, missed, sum_ns, max_ns):
    total = sum(hist.values())
    s = {"matched": matched, "missed": missed,
         "match_rate": matched / (matched + missed) if matched + missed else None,
         "histogram_total": total}
    for name, q in (("p50", .5), ("p90", .9), ("p99", .99)):
        v = percentile(hist, total, q, max_ns)
        s[f"{name}_us"] = round(v / 1000, 3) if v is not None else None
    s["max_us"] = round(max_ns / 1000, 3) if total else None
    s["mean_us"] = round(sum_ns / matched / 1000, 3) if matched else None
    s["jitter_us"] = round(s["p99_us"] - s["p50_us"], 3) if total else None
    return s


def read(pin):
    cnt = dump(f"{pin}/maps/transit_counters")
    counters = {}
    for i, name in enumerate(COUNTERS):
        vals = cnt.get(i, [0])
        counters[name] = max(vals) if name.startswith("max_") else sum(vals)
    raw = dump(f"{pin}/maps/transit_hist")
    hists = {p: {} for p in PATHS}
    for key, vals in raw.items():
        c = sum(vals)
        if c:
            hists[PATHS[key // BUCKETS]][key % BUCKETS] = c
    paths = {}
    for p in PATHS:
        paths[p] = summarise(hists[p], counters[f"match_{p}"], counters[f"miss_{p}"],
                             counters[f"sum_ns_{p}"], counters[f"max_ns_{p}"])
        paths[p]["by_anchor"] = counters[f"anchor_{p}"]
    both = {}
    for p in PATHS:
        for k, c in hists[p].items():
            both[k] = both.get(k, 0) + c
    paths["all"] = summarise(both, sum(counters[f"match_{p}"] for p in PATHS),
                             sum(counters[f"miss_{p}"] for p in PATHS),
                             sum(counters[f"sum_ns_{p}"] for p in PATHS),
                             max(counters[f"max_ns_{p}"] for p in PATHS))
    paths["all"]["by_anchor"] = sum(counters[f"anchor_{p}"] for p in PATHS)
    run_ns = {}
    for prog in ("transit_ingress", "transit_egress", "transit_index"):
        try:
            info = json.loads(subprocess.run(["bpftool", "-j", "prog", "show", "pinned", f"{pin}/progs/{prog}"],
                                             check=True, capture_output=True, text=True).stdout)
            if "run_time_ns" in info:
                run_ns[prog] = {"run_time_ns": info["run_time_ns"], "run_cnt": info.get("run_cnt", 0)}
        except (subprocess.CalledProcessError, ValueError):
            pass
    # Histogram as [lo_ns, hi_ns, count] rows, for CDF plots.
    buckets = {p: [[*bucket_bounds(k), c] for k, c in sorted(hists[p].items())] for p in PATHS}
    return {"counters": counters, "paths": paths, "probe_run": run_ns, "buckets": buckets}


def show(doc):
    for p in ("local", "forwarded", "all"):
        s = doc["paths"][p]
        if not s["matched"] and not s["missed"]:
            continue
        rate = f"{100 * s['match_rate']:.1f}%" if s["match_rate"] is not None else "n/a"
        if s["histogram_total"]:
            print(f"{p:<9} matched {s['matched']} ({s['by_anchor']} by anchor) missed {s['missed']} ({rate}); p50 {s['p50_us']} us, "
                  f"p90 {s['p90_us']}, p99 {s['p99_us']}, max {s['max_us']}, jitter {s['jitter_us']} us")
        else:
            print(f"{p:<9} matched 0 missed {s['missed']}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "read":
        json.dump(read(sys.argv[2]), sys.stdout)
        print()
    elif len(sys.argv) == 3 and sys.argv[1] == "show":
        show(json.load(open(sys.argv[2])))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
