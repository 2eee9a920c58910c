#!/usr/bin/env bash
# Benchmarks bitnet4j on a random-weight model with the exact BitNet-b1.58-2B-4T shape.
#   scripts/bench-2b4t.sh [-t 1,2] [-r 5] [-p 128] [-n 64] [--type i2_s]
# Makes the model once (bitnet4j gen-dummy, ~1.2 GB, under $BENCH_DIR or /tmp), then runs
# scripts/bench-compare.sh on it: `bitnet4j bench`, and when LLAMA_BENCH names a llama-bench binary
# (e.g. one built from bitnet.cpp) that too on the same file, alternating, with the ratios per test.
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
args=(-m "$model" -t "$threads" -r "$reps" -p "$prompt" -n "$gen" --rounds "$rounds")
[[ "$llama_model" != "$model" ]] && args+=(--llama-model "$llama_model")
exec "$here/scripts/bench-compare.sh" "${args[@]}"
