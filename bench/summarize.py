#!/usr/bin/python3
"""Prints the table of one bench/run.sh result directory as Markdown: bench/summarize.py NAME DIR.

JMH samples (one per measured iteration) are pooled over the rounds (files NAME-CORE-rR.json) per core type,
benchmark and parameters, and shown as median [min, max] (n samples). Ratios are ratios of pooled medians, followed by
the range of the per-round ratios (each round's two medians measured in one JVM run, minutes apart at most), and the
ratio of the minima (on a shared machine the least disturbed runs). For smo
and certify, the peer's times (printed by the benchmark's teardown as '# raw ...' lines) are pooled the same way.
"""
import glob
import json
import os
import re
import statistics
import sys


def spread(v):
    return f"{statistics.median(v):.4g} [{min(v):.4g}, {max(v):.4g}] ({len(v)})"


def load(directory, name):
    """{(core, benchmark, params): {round: [samples]}} and the unit of each benchmark."""
    data, units = {}, {}
    for path in sorted(glob.glob(os.path.join(directory, f"{name}-*-r*.json"))):
        m = re.match(rf"{name}-(.+)-r(\d+)\.json$", os.path.basename(path))
        core, rnd = m.group(1), int(m.group(2))
        with open(path) as f:
            try:
                runs = json.load(f)
            except json.JSONDecodeError:
                continue
        for run in runs:
            bench = run["benchmark"].rsplit(".", 1)[1]
            params = tuple(sorted((run.get("params") or {}).items()))
            samples = [x for fork in run["primaryMetric"]["rawData"] for x in fork]
            data.setdefault((core, bench, params), {}).setdefault(rnd, []).extend(samples)
            units[bench] = run["primaryMetric"]["scoreUnit"]
    return data, units


def raw_lines(directory, name):
    """{(core, label, params): {round: [samples]}} from the '# raw LABEL (PARAMS): x y z' lines of the logs."""
    out = {}
    for path in sorted(glob.glob(os.path.join(directory, f"{name}-*-r*.log"))):
        m = re.match(rf"{name}-(.+)-r(\d+)\.log$", os.path.basename(path))
        core, rnd = m.group(1), int(m.group(2))
        with open(path, errors="replace") as f:
            for line in f:
                r = re.search(r"# raw (\S+) \((.*)\): (.*)$", line.strip())  # JMH may print its iteration label first
                if r:
                    vals = [float(x) for x in r.group(3).split()]
                    out.setdefault((core, r.group(1), r.group(2)), {}).setdefault(rnd, []).extend(vals)
    return out


def pooled(rounds):
    return [x for v in rounds.values() for x in v]


def ratio(num, den):
    """Ratio of pooled medians, the range of per-round ratios, and the ratio of the minima (the runs least disturbed
    by other work on a shared machine)."""
    r = statistics.median(pooled(num)) / statistics.median(pooled(den))
    per = [statistics.median(num[k]) / statistics.median(den[k]) for k in sorted(num) if k in den]
    return (f"**{r:.3f}**" + (f" (rounds {min(per):.3f}–{max(per):.3f})" if len(per) > 1 else "")
            + f"; minima {min(pooled(num)) / min(pooled(den)):.3f}")


def paired(num, den):
    """The median [min, max] of each pair's own ratio, where the two lists of every round are runs made in turn (a pair
    measured seconds apart, robust to load that drifts); '-' where they are not."""
    if sorted(num) != sorted(den) or any(len(num[k]) != len(den[k]) for k in num):
        return "-"
    r = [a / b for k in sorted(num) for a, b in zip(num[k], den[k])]
    return f"{statistics.median(r):.3f} [{min(r):.3f}, {max(r):.3f}] ({len(r)})"


def pstr(params, skip=()):
    return ", ".join(f"{k}={v}" for k, v in params if k not in skip) or "-"


def table_jmh(data, units):
    print("| core | benchmark | parameters | median [min, max] (samples) | unit |")
    print("|---|---|---|---|---|")
    for (core, bench, params), rounds in sorted(data.items()):
        print(f"| {core} | {bench} | {pstr(params)} | {spread(pooled(rounds))} | {units[bench]} |")


def gram(data, units, directory):
    table_jmh(data, units)
    print()
    print("| core | dtype | inputs | Gram / syrk | Java Gram / OpenBLAS Gram |")
    print("|---|---|---|---|---|")
    for (core, bench, params), rounds in sorted(data.items()):
        if bench != "gramOpenblas":
            continue
        syrk = data.get((core, "syrkOpenblas", params))
        java = data.get((core, "gramJava", params))
        p = dict(params)
        print(f"| {core} | {p.get('dtype')} | {p.get('inputs')} | {ratio(rounds, syrk) if syrk else '-'} | "
              f"{ratio(java, rounds) if java else '-'} |")
    print()
    peers(directory, "gram", "syrk", "gram", "Gram (paired runs)", "syrk (paired runs)", "Gram / syrk", notes=False)


def machine(data, units, directory=None):
    table_jmh(data, units)
    print()
    for (core, bench, params), rounds in sorted(data.items()):
        if bench != "dposvFloor":
            continue
        krr = data.get((core, "krrSolve", params))
        copy = data.get((core, "copyOnly", params))
        if krr:
            print(f"- {core}, {pstr(params)}: krrSolve / dposvFloor = {ratio(krr, rounds)}")
        if copy:
            print(f"- {core}, {pstr(params)}: copyOnly / dposvFloor = {ratio(copy, rounds)}")


def peers(directory, name, ours, theirs, peer_label, our_label="Tangent", ratio_label="ratio peer / Tangent", notes=True):
    raw = raw_lines(directory, name)
    print(f"| core | parameters | {our_label}, s: median [min, max] (n) | {peer_label}, s | {ratio_label} | "
          f"{ratio_label}, each pair: median [min, max] (n) |")
    print("|---|---|---|---|---|---|")
    for (core, label, params), rounds in sorted(raw.items()):
        if label != ours:
            continue
        other = raw.get((core, theirs, params))
        if other:
            print(f"| {core} | {params} | {spread(pooled(rounds))} | {spread(pooled(other))} | {ratio(other, rounds)} | "
                  f"{paired(other, rounds)} |")
    print()
    for path in sorted(glob.glob(os.path.join(directory, f"{name}-*-r*.log"))) if notes else []:
        with open(path, errors="replace") as f:
            notes = [line.rstrip() for line in f if line.startswith("# ") and not line.startswith("# raw ")
                     and not re.match(r"# (JMH|VM|Blackhole|Warmup|Measurement|Timeout|Threads|Benchmark|Run|Fork|Parameters|Warning)", line)]
        print(f"{os.path.basename(path)}:")
        for line in notes:
            print("    " + line)


def harness(directory):
    runs = {}
    for path in sorted(glob.glob(os.path.join(directory, "harness-*-r*", "run.json"))):
        m = re.match(r"harness-(.+)-(f32|f64)-(\w+)-r(\d+)$", os.path.basename(os.path.dirname(path)))
        with open(path) as f:
            runs.setdefault(m.group(1, 2, 3), []).append(json.load(f))
    print("| core | dtype | inputs | Gram, ms | syrk, ms | Gram / syrk (medians) | (minima) | Gram / syrk (each pair): median [min, max] |")
    print("|---|---|---|---|---|---|---|---|")
    for (core, dtype, inputs), rs in sorted(runs.items()):
        g = [1e3 * x for r in rs for x in r["gram_seconds"]]
        y = [1e3 * x for r in rs for x in r["syrk_seconds"]]
        p = [x for r in rs for x in r["pair_ratios"]]
        print(f"| {core} | {dtype} | {inputs} | {spread(g)} | {spread(y)} | {statistics.median(g) / statistics.median(y):.3f} | "
              f"{min(g) / min(y):.3f} | "
              f"**{statistics.median(p):.3f}** [{min(p):.3f}, {max(p):.3f}] ({len(p)}) |")


def main():
    name, directory = sys.argv[1], sys.argv[2]
    with open(os.path.join(directory, "machine.txt")) as f:
        for line in f:
            print("    " + line.rstrip())
    print()
    data, units = load(directory, name)
    if name == "harness":
        harness(directory)
    elif name == "gram":
        gram(data, units, directory)
    elif name == "machine":
        machine(data, units)
        print()
        peers(directory, name, "dposvFloor", "krrSolve", "krrSolve (paired runs)", "dposvFloor (paired runs)",
              "krrSolve / dposvFloor", notes=False)
    elif name == "smo":
        peers(directory, name, "smosolver", "sklearn", "scikit-learn SVC fit")
    elif name == "certify":
        peers(directory, name, "tangent", "torch-batched", "batched PyTorch (same work)")
    else:
        table_jmh(data, units)


if __name__ == "__main__":
    main()
