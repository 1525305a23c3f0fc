#!/usr/bin/env bash
# The lent-GPU training session of issues 13, 21 and 22 (one H100, 30 minutes of device time).
# Started under setsid by the first device call (see README.md beside this file); everything is
# time-based because the speed of 11 processes sharing one GPU is not known in advance.
#
#   phase 1 (5.5 min): autoencoder warm-ups (concat C=8, SPADE C=8, SPADE C=4) and both segmenters (15 min)
#   phase 2 (10.5 min): the six ablation rows from the warm-ups, equal wall time, side by side
#            (16.5 min): the three shipped models' adversarial stages, from the SPADE warm-ups
# Runs write to $W/runs/NAME; finished ones are slimmed (EMA weights, fp16) into $W/export/NAME.pt.
set -u
REPO=$(pwd)
W=${W:-/tmp/gpu}
WARMUP_MIN=${WARMUP_MIN:-5.5}
ABLATION_MIN=${ABLATION_MIN:-10.5}
FINAL_MIN=${FINAL_MIN:-16.5}
SEG_MIN=${SEG_MIN:-15}
mkdir -p "$W/runs" "$W/export"
date +%s > "$W/launch_time"
cd "$W/code"
COMMON=(data.layout=folder "data.root=$W/data" data.val_split=train data.workers=2 optim.batch=${BATCH:-16}
        run.threads=2 run.eval_every=100000000 run.checkpoint_minutes=4 run.log_every=50)

train() {  # train NAME MINUTES ARGS...: one background run, slimmed into $W/export when it ends
  local name=$1 minutes=$2; shift 2
  ( python3 -m selgan train "$@" "${COMMON[@]}" --out "$W/runs/$name" --minutes "$minutes" > "$W/runs/$name.out" 2>&1 \
      && python3 -m selgan.train.checkpoint slim "$W/runs/$name/checkpoint.pt" "$W/export/$name.pt" \
      ; echo "$name exit $?" >> "$W/status" ) &
}

segmenter() {  # segmenter NAME ARCH
  ( python3 -m selgan.train.segmenter configs/segmenter/camvid_fpn.yaml data.layout=folder "data.root=$W/data" \
      model.arch="$2" optim.batch=16 optim.fit_share=0.6 run.snapshot_minutes=5 data.workers=3 run.threads=2 \
      --out "$W/runs/$1" --minutes "$SEG_MIN" \
      > "$W/runs/$1.out" 2>&1
    cp "$(ls -t "$W/runs/$1"/weights_step*.pt | head -n 1)" "$W/export/$1_final.pt"
    echo "$1 exit $?" >> "$W/status" ) &
}

echo "phase 1 $(date +%T)" >> "$W/status"
NEVER=optim.warmup_steps=1000000000
train warm_concat8 "$WARMUP_MIN" configs/ablation/current.yaml $NEVER
train warm_spade8 "$WARMUP_MIN" configs/ablation/spade.yaml $NEVER
train warm_spade4 "$WARMUP_MIN" configs/camvid_gc_c4.yaml $NEVER optim.steps=1000000 loss.perceptual_weight=0 loss.lowfreq_weight=0 data.photometric=0 data.scale_range=null
segmenter seg_dlv3p deeplabv3plus
segmenter seg_fpn fpn

for run in warm_concat8 warm_spade8 warm_spade4; do  # phase 2 needs all three warm-ups
  until grep -q "^$run exit" "$W/status" 2>/dev/null; do sleep 5; done
done
echo "phase 2 $(date +%T)" >> "$W/status"
for row in current projected perceptual_preserved perceptual_whole; do
  train "abl_$row" "$ABLATION_MIN" "configs/ablation/$row.yaml" --init "$W/runs/warm_concat8/checkpoint.pt"
done
for row in spade all; do
  train "abl_$row" "$ABLATION_MIN" "configs/ablation/$row.yaml" --init "$W/runs/warm_spade8/checkpoint.pt"
done
FINAL=(optim.warmup_steps=0 optim.steps=1000000 optim.lr_decay_start=1.0)
train final_sc8 "$FINAL_MIN" configs/camvid_sc_c8.yaml --init "$W/runs/warm_spade8/checkpoint.pt" "${FINAL[@]}"
train final_gc8 "$FINAL_MIN" configs/camvid_gc_c8.yaml --init "$W/runs/warm_spade8/checkpoint.pt" "${FINAL[@]}"
train final_gc4 "$FINAL_MIN" configs/camvid_gc_c4.yaml --init "$W/runs/warm_spade4/checkpoint.pt" "${FINAL[@]}"
wait
echo "done $(date +%T)" >> "$W/status"
