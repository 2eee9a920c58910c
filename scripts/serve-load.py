#!/usr/bin/env python3
"""Aggregate generation throughput of a running `bitnet4j serve` (or any OpenAI-compatible server).

For each concurrency level, starts that many streaming chat completions at once (different prompts
and seeds, fixed max_tokens) and reports completion tokens per second over the wall time, plus the
mean time to first token. Standard library only.

    ./bitnet4j serve -m model.gguf --parallel 16 &
    scripts/serve-load.py --streams 1,4,16 --max-tokens 64
"""
import argparse
import json
import threading
import time
import urllib.request


def one_stream(url, key, i, max_tokens, out):
    body = {
        "model": "bench", "stream": True, "stream_options": {"include_usage": True},
        "max_tokens": max_tokens, "temperature": 0.8, "seed": 1000 + i,
        "messages": [{"role": "user", "content": f"Request {i}: tell me something about the number {i}."}],
    }
    req = urllib.request.Request(url + "/v1/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    if key:
        req.add_header("Authorization", "Bearer " + key)
    t0 = time.monotonic()
    first = None
    tokens = 0
    with urllib.request.urlopen(req, timeout=600) as r:
        for raw in r:
            line = raw.decode().strip()
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if chunk.get("usage"):
                tokens = chunk["usage"]["completion_tokens"]
            elif first is None and chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                first = time.monotonic() - t0
    out[i] = (tokens, first if first is not None else time.monotonic() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--api-key")
    ap.add_argument("--streams", default="1,4,16", help="comma-separated concurrency levels")
    ap.add_argument("--max-tokens", type=int, default=64)
    a = ap.parse_args()
    print("| streams | completion tokens | wall s | aggregate tok/s | mean first token s |")
    print("|---|---|---|---|---|")
    for n in [int(x) for x in a.streams.split(",")]:
        out = [None] * n
        threads = [threading.Thread(target=one_stream, args=(a.url, a.api_key, i, a.max_tokens, out)) for i in range(n)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        total = sum(o[0] for o in out)
        ttft = sum(o[1] for o in out) / n
        print(f"| {n} | {total} | {wall:.2f} | {total / wall:.1f} | {ttft:.2f} |")


if __name__ == "__main__":
    main()
