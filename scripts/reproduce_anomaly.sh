#!/usr/bin/env bash
# Anomaly detection on held-out classes (docs/anomaly.md): each model trains on every class but one
# and `genlab eval metrics=[anomaly]` scores the validation split's unseen normal examples against
# the held-out class, with every score the model offers beside PCA's reconstruction error.
#   digits (embedded, 16 px): zeros held out — vae, ae, gated_pixelcnn
#   Fashion-MNIST (28 px, the four official files in DATA_DIR, no download): trousers (class 1)
#   held out — vae, ae; gated_pixelcnn too with PIXELCNN=1 (hours on 2 CPU cores)
# Usage: scripts/reproduce_anomaly.sh [DATA_DIR] [FASHION_EPOCHS]
# Copies each report's JSON and figures to docs/figures/anomaly/<dataset>_<model>*.
set -euo pipefail
data_dir=${1:-../shared/datasets/fashion_mnist}
fashion_epochs=${2:-5}
out=$(mktemp -d)
figures=docs/figures/anomaly
mkdir -p "$figures"
quiet=(callbacks.progress=null logger=none)

experiment() {  # NAME MODEL OVERRIDES...
  local name=$1 model=$2
  shift 2
  local start run
  start=$(date +%s)
  genlab train model="$model" "$@" "${quiet[@]}" hydra.run.dir="$out/$name/$model" >/dev/null
  echo "$name/$model: trained in $(( $(date +%s) - start )) s"
  run="$out/$name/$model"
  genlab eval ckpt="$run/checkpoints/last.ckpt" metrics=[anomaly] | tee "$figures/${name}_$model.txt"
  for file in "$run"/metrics/anomaly_last*; do
    cp "$file" "$figures/${name}_${model}${file##*/anomaly_last}"
  done
}

digits=(dataset=digits dataset.image_size=16 dataset.val_fraction=0.3 dataset.exclude_classes=[0] trainer.max_epochs=40)
for model in vae ae; do experiment digits "$model" "${digits[@]}"; done
experiment digits gated_pixelcnn "${digits[@]}" trainer.max_epochs=10

fashion=(dataset=fashion_mnist paths.data_dir="$data_dir" dataset.download=false dataset.image_size=28
  dataset.exclude_classes=[1] trainer.max_epochs="$fashion_epochs")
for model in vae ae; do experiment fashion "$model" "${fashion[@]}"; done
if [[ "${PIXELCNN:-0}" == 1 ]]; then experiment fashion gated_pixelcnn "${fashion[@]}"; fi
echo "run directories: $out"
