#!/usr/bin/env bash
# Remakes the llama.cpp reference data of the shape grid (java/core/src/test/resources/reference-grid, README
# there): writes the grid's F32 qwen3 models (ReferenceGrid, test scope), quantizes each with llama.cpp's own
# llama-quantize to Q1_0, Q2_0, TQ1_0 and TQ2_0, and runs llama.cpp on every file through a driver of your own.
#
#   LLAMA_QUANTIZE=/path/to/llama-quantize LLAMA_REFDRV=/path/to/driver scripts/reference-grid.sh [OUTDIR]
#
# The driver (not part of this repository: a small program against llama.h) is called as
#   $LLAMA_REFDRV MODEL PROMPT OUTPREFIX
# and must write OUTPREFIX.txt, .logits0.f32 and .steps.f32 following the convention of
# java/core/src/test/resources/reference-qwen3/README.md (one thread, n_ctx 256, prompt as one batch, F16 KV
# cache, flash attention off, 16 greedy steps). OUTDIR defaults to the test resources.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
: "${LLAMA_QUANTIZE:?set LLAMA_QUANTIZE to a llama-quantize binary}"
: "${LLAMA_REFDRV:?set LLAMA_REFDRV to your reference driver}"
out="${1:-$here/java/core/src/test/resources/reference-grid}"
prompt="The quick brown fox jumps over the lazy dog"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$here" && mvn -B -q -ntp -Dstyle.color=never -pl java/core -am test-compile -Dnative.skipTests=true >/dev/null)
"${BITNET4J_JAVA:-$(ls -d /usr/lib/jvm/temurin-25-jdk-*/bin/java /usr/lib/jvm/*-25*/bin/java 2>/dev/null | head -1)}" -cp "$here/java/core/target/test-classes:$here/java/core/target/classes" io.bitnet4j.graph.ReferenceGrid "$work"
mkdir -p "$out"
for f32 in "$work"/*-f32.gguf; do
  shape="$(basename "$f32" -f32.gguf)"
  for type in f32 q1_0 q2_0 tq1_0 tq2_0; do
    model="$f32"
    if [[ "$type" != f32 ]]; then
      model="$work/$shape-$type.gguf"
      extra=()
      # the untied shapes' output head stays f16, as the token embedding
      [[ "$shape" == *untied* ]] && extra=(--output-tensor-type f16)
      "$LLAMA_QUANTIZE" --token-embedding-type f16 "${extra[@]}" "$f32" "$model" "${type^^}" 1 > "$work/quant.log" 2>&1 \
        || { cat "$work/quant.log" >&2; exit 1; }
    fi
    (cd "$work" && "$LLAMA_REFDRV" "$(basename "$model")" "$prompt" "$out/ref-llamacpp-$shape-$type" > "$work/drv.log" 2>&1) \
      || { cat "$work/drv.log" >&2; exit 1; }
    rm -f "$out/ref-llamacpp-$shape-$type.logits0.f32"   # row 0 of .steps.f32: not needed twice
    echo "$shape $type: $(grep greedy_ids "$out/ref-llamacpp-$shape-$type.txt")"
  done
done
(cd "$out" && sha256sum $(ls | grep -v SHA256SUMS | sort) > SHA256SUMS)
