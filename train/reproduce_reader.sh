#!/usr/bin/env bash
# Train the shipped reader (reader-en8) from the bundled engine, every stage of its lineage
# in order, with the settings and data files each stage was trained on (docs/reader.md,
# "Lineage"; docs/evaluation.md says why each stage exists). About five hours on 2 CPU cores; on a GPU
# (train_reader.py picks CUDA when torch sees one) minutes.
#
#   train/reproduce_reader.sh                 # train/runs/reader ... train/runs/reader-en8
#   RUNS=/tmp/runs FLAGS="--epochs 0.01" train/reproduce_reader.sh   # a smoke run of the chain
#   SHIP=int8 train/reproduce_reader.sh       # ... and ship reader-en8 into qa/reader/model/
#
# A stage whose log ends with "done:" is skipped; an interrupted one resumes from its
# checkpoint. FLAGS is added to every stage's command (a later --flag wins). Same data,
# seeds and settings; the same weights to the bit only with the same code, torch and
# hardware (bfloat16 sums differ between CPUs and GPUs).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
RUNS=${RUNS:-train/runs}
FLAGS=${FLAGS:-}
SYN=train/data/synthetic
EN="train/data/english_questions.jsonl"
# Continued stages: one epoch at a lower rate.
MORE="--epochs 1 --lr 3e-5 --warmup-share 0.05"

stage() {
    local name=$1
    shift
    if grep -q '^done:' "$RUNS/$name/train.log" 2>/dev/null; then
        echo "$name: trained before (its log says done), skipped"
        return
    fi
    # shellcheck disable=SC2086  # FLAGS is a list of flags
    "$PY" train/train_reader.py --out "$RUNS/$name" "$@" $FLAGS
}

# 1. The reader: DRCD test + CMRC trial, 2.5 epochs.
stage reader
# 2-3. Questions code-switched into English with CC-CEDICT.
stage reader-en --init "$RUNS/reader/reader.pt" --english-share 0.4 $MORE
stage reader-en2 --init "$RUNS/reader-en/reader.pt" --english-share 0.9 --english-full-share 0.85 \
    --seed 4321 $MORE
# 4. The training questions translated into English.
stage reader-en4 --init "$RUNS/reader-en2/reader.pt" --english-questions "$EN" --translated-share 0.8 \
    --appended-share 0.5 --english-share 0.5 --english-full-share 0.85 --seed 5151 $MORE
# 5. Passages in the reports' genre, the 90 of h*, e*, g* twice each.
stage reader-en7 --init "$RUNS/reader-en4/reader.pt" --extra "$SYN/h*.json,$SYN/e*.json,$SYN/g*.json" \
    --extra-repeat 2 --replay-share 0.25 --english-questions "$EN,$SYN" --translated-share 0.8 \
    --appended-share 0.5 --english-share 0.5 --english-full-share 0.85 --seed 6161 $MORE
# 6. + the 36 named-phrase passages p*, all 126 once each: the shipped reader.
stage reader-en8 --init "$RUNS/reader-en7/reader.pt" \
    --extra "$SYN/h*.json,$SYN/e*.json,$SYN/g*.json,$SYN/p*.json" --extra-repeat 1 --replay-share 0.25 \
    --english-questions "$EN,$SYN" --translated-share 0.8 --appended-share 0.5 --english-share 0.5 \
    --english-full-share 0.85 --seed 7171 $MORE

"$PY" train/export_reader.py --run "$RUNS/reader-en8" ${SHIP:+--ship "$SHIP"}
