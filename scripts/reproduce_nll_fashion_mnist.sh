#!/usr/bin/env bash
# Likelihoods on real Fashion-MNIST at its native 28×28, dynamically binarised (each pixel ~
# Bernoulli(intensity), drawn anew every training batch; the validation images drawn once): the
# gated PixelCNN's exact NLL and the conv VAE's ELBO bound, both in nats per image, read from a
# local copy of the four official .gz files (no download).
# Usage: scripts/reproduce_nll_fashion_mnist.sh [DATA_DIR] [EPOCHS]
# Protocol: genlab's validation split (10 % of train + test, seed 0), not the official test set.
set -euo pipefail
data_dir=${1:-../shared/datasets/fashion_mnist}
epochs=${2:-1}
out=$(mktemp -d)
common=(dataset=fashion_mnist paths.data_dir="$data_dir" dataset.download=false dataset.image_size=28
  dataset.binarize=dynamic trainer.max_epochs="$epochs" callbacks.progress=null)
for model in gated_pixelcnn vae; do
  start=$(date +%s)
  GENLAB_OUTPUT_DIR="$out/$model" genlab train model=$model "${common[@]}"
  echo "$model: $epochs epochs in $(( $(date +%s) - start )) s"
  run=$(dirname "$(find "$out/$model" -name .hydra -type d | head -n 1)")
  python "$(dirname "$0")/summarize_run.py" "$run"
done
echo "run directories: $out"
