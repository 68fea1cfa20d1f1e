#!/usr/bin/env bash
# Conv VAE and its PCA baseline on real Fashion-MNIST, read from a local copy of the four
# official .gz files (no download). Usage: scripts/reproduce_fashion_mnist.sh [DATA_DIR] [EPOCHS]
# The figures this printed on the development machine are in README.md ("Results").
set -euo pipefail
data_dir=${1:-../shared/datasets/fashion_mnist}
epochs=${2:-10}
out=$(mktemp -d)
start=$(date +%s)
GENLAB_OUTPUT_DIR="$out" genlab train model=vae dataset=fashion_mnist paths.data_dir="$data_dir" \
  dataset.download=false trainer.max_epochs="$epochs" callbacks.progress=null
echo "wall time: $(( $(date +%s) - start )) s"
run=$(dirname "$(find "$out" -name .hydra -type d | head -n 1)")
python "$(dirname "$0")/summarize_run.py" "$run"
echo "run directory: $run"
