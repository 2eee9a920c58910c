#!/usr/bin/env bash
# Benchmarks bitnet4j on random-weight models with the exact shapes and bytes of PrismML's Bonsai-8B
# (qwen3, Q1_0 everywhere, embedding and head included) and Ternary-Bonsai-8B (the same in Q2_0).
#   scripts/bench-bonsai.sh [-t 1,2] [-r 3] [-p 128] [-n 64] [--rounds 2] [--type q1_0|q2_0|both]
# Makes the models once (bitnet4j gen-dummy --arch qwen3 --size 8B, 1.1 and 2.2 GB, under $BENCH_DIR
# or /tmp), then runs scripts/bench-compare.sh on each: with LLAMA_BENCH set to a mainline llama-bench
# (2026-08 or newer, which reads Q1_0/Q2_0), the same files alternate with it and the ratios are printed.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
threads=1,2 reps=3 prompt=128 gen=64 rounds=2 types="q1_0 q2_0"
while [[ $# -gt 0 ]]; do
  case "$1" in
    -t) threads="$2"; shift 2 ;;
    -r) reps="$2"; shift 2 ;;
    -p) prompt="$2"; shift 2 ;;
    -n) gen="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --type) [[ "$2" == both ]] && types="q1_0 q2_0" || types="$2"; shift 2 ;;
    *) echo "usage: $0 [-t LIST] [-r N] [-p N] [-n N] [--rounds N] [--type q1_0|q2_0|both]" >&2; exit 2 ;;
  esac
done
dir="${BENCH_DIR:-/tmp}"
for type in $types; do
  model="$dir/bitnet4j-qwen3-8B-$type.gguf"
  [[ -f "$model" ]] || "$here/bitnet4j" gen-dummy --arch qwen3 --size 8B --type "$type" -o "$model"
  echo "## qwen3 8B $type ($(du -h "$model" | cut -f1))"
  "$here/scripts/bench-compare.sh" -m "$model" -t "$threads" -r "$reps" -p "$prompt" -n "$gen" --rounds "$rounds"
done
