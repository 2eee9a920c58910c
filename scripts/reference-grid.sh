#!/usr/bin/env bash
# Remakes the reference data of the shape grid (java/core/src/test/resources/reference-grid, README there): writes
# the grid's float models (ReferenceGrid, test scope), quantizes each with the engine's own llama-quantize and runs
# the engine on every file through a driver of your own. Either engine's part can be remade alone.
#
#   LLAMA_QUANTIZE=/path/to/llama-quantize LLAMA_REFDRV=/path/to/driver \
#   BITNET_QUANTIZE=/path/to/bitnet.cpp/llama-quantize BITNET_REFDRV=/path/to/driver \
#   scripts/reference-grid.sh [llamacpp|bitnetcpp|all] [OUTDIR]
#
# llama.cpp (mainline) runs the qwen3, bitnet and llama shapes; bitnet.cpp the bitnet-b1.58 shapes. A driver (not
# part of this repository: a small program against the engine's llama.h) is called as
#   DRIVER MODEL PROMPT OUTPREFIX
# and must write OUTPREFIX.txt, .logits0.f32 and .steps.f32 following the convention of
# java/core/src/test/resources/reference-qwen3/README.md (one thread, n_ctx 256, prompt as one batch, F16 KV
# cache, flash attention off, 16 greedy steps). OUTDIR defaults to the test resources.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
which="${1:-all}"
out="${2:-$here/java/core/src/test/resources/reference-grid}"
prompt="The quick brown fox jumps over the lazy dog"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
java="${BITNET4J_JAVA:-$(ls -d /usr/lib/jvm/temurin-25-jdk-*/bin/java /usr/lib/jvm/*-25*/bin/java 2>/dev/null | head -1)}"
(cd "$here" && mvn -B -q -ntp -Dstyle.color=never -pl java/core -am test-compile -Dnative.skipTests=true >/dev/null)
mkdir -p "$out"

# engine prefix, quantizer, driver: every shape and type of that engine's part of the grid
run_engine() {
  local engine="$1" quantize="$2" driver="$3"
  "$java" -cp "$here/java/core/target/test-classes:$here/java/core/target/classes" io.bitnet4j.graph.ReferenceGrid "$work" "$engine" |
  while read -r shape types; do
    for type in $types; do
      model="$work/$shape-$type.gguf"
      if [[ ! -f "$model" ]]; then
        extra=()
        # the untied shapes' output head stays f16, as the token embedding
        [[ "$shape" == *untied* ]] && extra=(--output-tensor-type f16)
        "$quantize" --token-embedding-type f16 "${extra[@]}" "$work/$shape-f32.gguf" "$model" "${type^^}" 1 > "$work/quant.log" 2>&1 \
          || { cat "$work/quant.log" >&2; exit 1; }
      fi
      (cd "$work" && "$driver" "$(basename "$model")" "$prompt" "$out/ref-$engine-$shape-$type" > "$work/drv.log" 2>&1) \
        || { cat "$work/drv.log" >&2; exit 1; }
      rm -f "$out/ref-$engine-$shape-$type.logits0.f32"   # row 0 of .steps.f32: not needed twice
      echo "$engine $shape $type: $(grep greedy_ids "$out/ref-$engine-$shape-$type.txt")"
    done
  done
}

if [[ "$which" == all || "$which" == llamacpp ]]; then
  : "${LLAMA_QUANTIZE:?set LLAMA_QUANTIZE to the llama-quantize of llama.cpp}"
  : "${LLAMA_REFDRV:?set LLAMA_REFDRV to your llama.cpp driver}"
  run_engine llamacpp "$LLAMA_QUANTIZE" "$LLAMA_REFDRV"
fi
if [[ "$which" == all || "$which" == bitnetcpp ]]; then
  : "${BITNET_QUANTIZE:?set BITNET_QUANTIZE to the llama-quantize of bitnet.cpp}"
  : "${BITNET_REFDRV:?set BITNET_REFDRV to your bitnet.cpp driver}"
  run_engine bitnetcpp "$BITNET_QUANTIZE" "$BITNET_REFDRV"
fi
(cd "$out" && sha256sum $(ls | grep -v SHA256SUMS | sort) > SHA256SUMS)
