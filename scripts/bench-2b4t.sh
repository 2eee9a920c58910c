#!/usr/bin/env bash
# Benchmarks bitnet4j on a random-weight model with the exact BitNet-b1.58-2B-4T shape.
#   scripts/bench-2b4t.sh [-t 1,2] [-r 5] [-p 128] [-n 64] [--type i2_s]
# Makes the model once (bitnet4j gen-dummy, ~1.2 GB, under $BENCH_DIR or /tmp), then runs
# `bitnet4j bench`. When LLAMA_BENCH names a llama-bench binary (e.g. one built from bitnet.cpp),
# it runs that on the same file, alternating with bitnet4j, and prints the ratios per test.
# LLAMA_BENCH_ARCH=bitnet gives llama-bench a copy of the file under that architecture name (for
# bitnet.cpp builds that predate 'bitnet-b1.58'; the matmuls are the same).
# Extra bitnet4j bench flags go in BITNET4J_BENCH_FLAGS (e.g. "--output-type q8_0").
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
threads=1,2 reps=5 prompt=128 gen=64 type=i2_s rounds=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    -t) threads="$2"; shift 2 ;;
    -r) reps="$2"; shift 2 ;;
    -p) prompt="$2"; shift 2 ;;
    -n) gen="$2"; shift 2 ;;
    --type) type="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "usage: $0 [-t LIST] [-r N] [-p N] [-n N] [--type i2_s|tq2_0|tq1_0] [--rounds N]" >&2; exit 2 ;;
  esac
done
dir="${BENCH_DIR:-/tmp}"
model="$dir/bitnet4j-2B-4T-$type.gguf"
if [[ ! -f "$model" ]]; then
  "$here/bitnet4j" gen-dummy --size 2B-4T --type "$type" -o "$model"
fi
llama_model="$model"
if [[ -n "${LLAMA_BENCH:-}" && -n "${LLAMA_BENCH_ARCH:-}" ]]; then
  llama_model="$dir/bitnet4j-2B-4T-$type-$LLAMA_BENCH_ARCH.gguf"
  [[ -f "$llama_model" ]] || python3 "$here/scripts/gguf-rename-arch.py" "$model" "$llama_model" "$LLAMA_BENCH_ARCH"
fi
out="$(mktemp -d)"
for ((i = 1; i <= rounds; i++)); do
  # shellcheck disable=SC2086
  "$here/bitnet4j" bench -m "$model" -p "$prompt" -n "$gen" -t "$threads" -r "$reps" ${BITNET4J_BENCH_FLAGS:-} --json > "$out/bitnet4j-$i.json"
  if [[ -n "${LLAMA_BENCH:-}" ]]; then
    "$LLAMA_BENCH" -m "$llama_model" -p "$prompt" -n "$gen" -t "$threads" -r "$reps" -o json > "$out/llama-$i.json"
  fi
done
python3 - "$out" <<'PY'
import json, glob, os, sys, statistics
out = sys.argv[1]
def load(pattern, key):
    rows = {}
    for f in sorted(glob.glob(os.path.join(out, pattern))):
        data = json.load(open(f))
        tests = data["tests"] if isinstance(data, dict) else data
        for t in tests:
            name = key(t)
            rows.setdefault(name, []).append(t["avg_ts"])
    return rows
ours = load("bitnet4j-*.json", lambda t: (t["test"], t["n_threads"]))
def llama_key(t):
    test = "pp%d" % t["n_prompt"] if t.get("n_prompt", 0) > 0 else "tg%d" % t["n_gen"]
    return (test, t["n_threads"])
theirs = load("llama-*.json", llama_key)
print("| test | threads | bitnet4j t/s | llama-bench t/s | ratio |")
print("|---|---:|---:|---:|---:|")
for k in sorted(ours):
    a = statistics.mean(ours[k])
    if k in theirs:
        b = statistics.mean(theirs[k])
        print("| %s | %d | %.2f | %.2f | %.2fx |" % (k[0], k[1], a, b, a / b))
    else:
        print("| %s | %d | %.2f | - | - |" % (k[0], k[1], a))
PY
rm -rf "$out"
