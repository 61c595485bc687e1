#!/usr/bin/env python3
"""Plots of the fan-out benchmark (run with .build/venv-bench/bin/python, made by scripts/deps.sh):

    plot.py fanout.csv transit-hist.csv OUT_DIR

OUT_DIR/fanout.png       subscribers vs relay cores ((user+sys CPU + fast-path BPF run time) / wall) and
                         subscribers vs p99 object latency (worst subscriber), one line per mode
OUT_DIR/transit-cdf.png  CDF of the relay's transit delay (bpf/transit.bpf.c), user space (mode clear)
                         vs --ebpf, one line per mode and N (the runs of the list, not the search's)
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {"user": ("tab:blue", "o"), "clear": ("tab:cyan", "v"), "ebpf": ("tab:red", "s"), "ebpfenc": ("tab:orange", "P"),
         "aiomoqt": ("tab:green", "^"), "moqrs": ("tab:purple", "D")}
LABEL = {"user": "moq-relay user space", "clear": "moq-relay user space, cleartext",
         "ebpf": "moq-relay --ebpf, cleartext", "ebpfenc": "moq-relay --ebpf, encrypted",
         "aiomoqt": "aiomoqt relay", "moqrs": "moq-rs relay"}


def num(s):
    try:
        v = float(s)
        return v if v == v else None
    except (TypeError, ValueError):
        return None


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    runs = list(csv.DictReader(open(sys.argv[1])))
    hist = list(csv.DictReader(open(sys.argv[2])))
    out = sys.argv[3]
    os.makedirs(out, exist_ok=True)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    modes = [m for m in STYLE if any(r["mode"] == m for r in runs)]
    for m in modes:
        pts = {}
        for r in runs:
            if r["mode"] != m:
                continue
            n = int(r["subs"])
            cores = num(r.get("cpu_s"))
            wall = num(r.get("wall_s"))
            bpf = num(r.get("bpf_s")) or 0.0
            p99 = num(r.get("p99_ms"))
            if cores is not None and wall:
                pts[n] = ((cores + bpf) / wall, p99)  # a search rerun of the same N replaces it
        ns = sorted(pts)
        color, marker = STYLE[m]
        ax1.plot(ns, [pts[n][0] for n in ns], marker=marker, color=color, label=LABEL[m])
        lat = [(n, pts[n][1]) for n in ns if pts[n][1] is not None]
        if lat:
            ax2.plot([n for n, _ in lat], [v for _, v in lat], marker=marker, color=color, label=LABEL[m])
    ax1.set_xscale("log")
    ax2.set_xscale("log")
    ax1.set_xlabel("subscribers")
    ax1.set_ylabel("relay cores (CPU + BPF run time) / wall")
    ax1.set_title("Relay CPU")
    ax2.set_xlabel("subscribers")
    ax2.set_ylabel("p99 object latency, worst subscriber (ms)")
    ax2.set_yscale("log")
    ax2.set_title("Latency (moq-rs: n/a)")
    all_ns = sorted({int(r["subs"]) for r in runs})
    for ax in (ax1, ax2):
        ax.set_xticks(all_ns)
        ax.set_xticklabels([str(n) for n in all_ns])
        ax.minorticks_off()
        ax.grid(True, alpha=.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fanout.png"), dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    series = {}
    for h in hist:
        if h["mode"] not in ("clear", "ebpf") or h["search"] != "0":
            continue
        series.setdefault((h["mode"], int(h["subs"])), []).append((int(h["lo_ns"]), int(h["hi_ns"]), int(h["count"])))
    for (m, n), rows in sorted(series.items(), key=lambda x: (x[0][1], x[0][0])):
        rows.sort()
        total = sum(c for _, _, c in rows)
        if not total:
            continue
        xs, ys, cum = [], [], 0
        for lo, hi, c in rows:
            xs.append(lo / 1000)
            ys.append(cum / total)
            cum += c
            xs.append(hi / 1000)
            ys.append(cum / total)
        color, _ = STYLE[m]
        ns = sorted({k[1] for k in series})
        alpha = 0.35 + 0.65 * (ns.index(n) + 1) / len(ns)
        ax.plot(xs, ys, color=color, alpha=alpha, label=f"{LABEL[m]}, N = {n} ({total} packets)")
    ax.set_xscale("log")
    ax.set_xlabel("transit delay, publisher-facing ingress -> subscriber-facing egress (µs)")
    ax.set_ylabel("fraction of matched packets")
    ax.set_title("Relay transit delay per media packet")
    ax.grid(True, which="both", alpha=.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "transit-cdf.png"), dpi=110)
    plt.close(fig)
    print(f"plots: {out}/fanout.png {out}/transit-cdf.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
