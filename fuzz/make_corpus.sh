#!/bin/sh
# Writes the fuzz targets' seed corpora, one directory per target:
#   make_corpus.sh SOURCE_DIR OUT_DIR PINFUSE_TOOL [ONNX_SEED_TOOL|-] [PINFUSE_TESTS|-]
# model_json: the bundled models and the bad inputs of tests/data; hardware_json: the bundled
# hardware and fuzz/seeds/hardware; plan_json: the plans `pinfuse solve` writes for the fuzz
# model (fuzz/model.json) with every strategy, at 32 KiB of SPM (the plan and program targets')
# and 1 MiB (the default); program_json: their command streams at 32 KiB; allocation_text: the
# layouts of tests/data/fragmented_layouts and fuzz/seeds/allocation;
# onnx_bytes (with ONNX_SEED_TOOL): fuzz/seeds/onnx/*.txt serialized; tflite_bytes (with
# PINFUSE_TESTS, built with the TFLite importer): the files its hidden test "[.tflite_files]" writes.
set -eu
src=$1 out=$2 tool=$3 onnx_seed=${4:--} tests=${5:--}
rm -rf "$out"
mkdir -p "$out/model_json" "$out/hardware_json" "$out/plan_json" "$out/program_json" "$out/allocation_text"
cp "$src"/tests/data/fragmented_layouts/*.txt "$src"/fuzz/seeds/allocation/*.txt "$out/allocation_text/"
cp "$src"/models/*.json "$src"/tests/data/*.json "$src"/fuzz/model.json "$out/model_json/"
cp "$src"/examples/hardware/*.json "$src"/fuzz/seeds/hardware/*.json "$out/hardware_json/"
for strategy in layerwise fusion pinning joint; do
  "$tool" solve "$src/fuzz/model.json" --strategy $strategy --spm 32KiB --out "$out/plan_json/$strategy.json" \
    --program "$out/program_json/$strategy.json" >/dev/null 2>&1
  "$tool" solve "$src/fuzz/model.json" --strategy $strategy --out "$out/plan_json/$strategy-1MiB.json" >/dev/null
done
if [ "$onnx_seed" != - ]; then
  mkdir -p "$out/onnx_bytes"
  for text in "$src"/fuzz/seeds/onnx/*.txt; do
    "$onnx_seed" "$text" "$out/onnx_bytes/$(basename "$text" .txt).onnx"
  done
fi
if [ "$tests" != - ]; then
  mkdir -p "$out/tflite_bytes"
  PINFUSE_TFLITE_FILES="$out/tflite_bytes" "$tests" "[.tflite_files]" >/dev/null
fi
