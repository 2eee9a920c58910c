#!/usr/bin/env python3
"""Turns JMH JSON results (-rf json) of TernaryMatmulBench / HeadBench into Markdown tables with GB/s.

usage: jmh-table.py result.json [more.json ...]

When a configuration appears in several files (repeated runs), the fastest run is kept: on a shared
machine interference only ever slows a run down, so the minimum is the least disturbed estimate.
"""
import json, sys
from collections import defaultdict

def weight_bytes(fmt, rows, k):
    return {"I2_S": rows * k // 4, "TQ2_0": rows * (k // 256) * 66, "F16": rows * k * 2}[fmt]

def to_us(score, unit):
    return score * {"us/op": 1, "ms/op": 1e3, "ns/op": 1e-3, "s/op": 1e6}[unit]

rows_out = defaultdict(dict)   # (bench, shape, ntok) -> {(tier, fmt): (us, err)}
for path in sys.argv[1:]:
    for r in json.load(open(path)):
        p = r["params"]
        if "shape" not in p:
            continue   # e.g. ParallelBench
        bench = r["benchmark"].split(".")[-2]
        fmt = p.get("format", "F16")
        key = (bench, p["shape"], int(p.get("ntok", 1)))
        m = r["primaryMetric"]
        cur = (to_us(m["score"], m["scoreUnit"]), to_us(m["scoreError"], m["scoreUnit"]))
        old = rows_out[key].get((p["tier"], fmt))
        if old is None or cur[0] < old[0]:
            rows_out[key][(p["tier"], fmt)] = cur

tiers = ["native", "native-avx2", "vector", "scalar"]
for (bench, shape, ntok), res in sorted(rows_out.items()):
    rows, k = map(int, shape.split("x"))
    fmts = sorted({f for _, f in res})
    print(f"\n### {shape} (rows x k), ntok={ntok}\n")
    # GEMV streams the weights once per op (GB/s); GEMM reuses them, so count weight x token MACs instead
    unit = "GB/s" if ntok == 1 else "G MAC/s"
    head = "| tier | " + " | ".join(f"{f} µs/op | {f} {unit}" for f in fmts) + " |"
    print(head)
    print("|" + "---|" * (1 + 2 * len(fmts)))
    for t in tiers:
        cells = []
        for f in fmts:
            if (t, f) in res:
                us, err = res[(t, f)]
                gbs = (weight_bytes(f, rows, k) if ntok == 1 else rows * k * ntok) / us / 1e3
                err_s = f" ±{err:.3g}" if err == err and err > 0 else ""
                cells += [f"{us:,.1f}{err_s}", f"{gbs:.2f}"]
            else:
                cells += ["–", "–"]
        if any(c != "–" for c in cells):
            print(f"| {t} | " + " | ".join(cells) + " |")
    for f in fmts:
        if ("native", f) in res and ("vector", f) in res:
            ratio = res[("native", f)][0] / res[("vector", f)][0]
            line = f"vector/native speed ratio {f}: **{ratio:.2f}**"
            if ("native-avx2", f) in res:
                line += f" (vs native avx2: {res[('native-avx2', f)][0] / res[('vector', f)][0]:.2f})"
            print(f"\n{line}")
