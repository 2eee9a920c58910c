#!/usr/bin/env bash
# Runs `bitnet4j bench` and, when LLAMA_BENCH names a llama-bench binary, that too on the same file,
# alternating round by round (this machine is shared and noisy), then prints one table with the mean
# tokens/s of each and the ratio per test.
#   scripts/bench-compare.sh -m FILE [-t 1,2] [-r 5] [-p 128] [-n 64] [--rounds 2] [--llama-model FILE]
# --llama-model gives llama-bench another file (e.g. the same weights under an older architecture name).
# Extra bitnet4j bench flags go in BITNET4J_BENCH_FLAGS (e.g. "--output-type q8_0").
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
model="" llama_model="" threads=1,2 reps=5 prompt=128 gen=64 rounds=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    -m) model="$2"; shift 2 ;;
    --llama-model) llama_model="$2"; shift 2 ;;
    -t) threads="$2"; shift 2 ;;
    -r) reps="$2"; shift 2 ;;
    -p) prompt="$2"; shift 2 ;;
    -n) gen="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "usage: $0 -m FILE [-t LIST] [-r N] [-p N] [-n N] [--rounds N] [--llama-model FILE]" >&2; exit 2 ;;
  esac
done
[[ -n "$model" && -f "$model" ]] || { echo "bench-compare: no model file given (-m FILE)" >&2; exit 2; }
llama_model="${llama_model:-$model}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
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
            rows.setdefault(key(t), []).append(t["avg_ts"])
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
