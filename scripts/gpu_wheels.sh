#!/usr/bin/env bash
# The Python packages genlab needs that the lent GPU machine's image lacks (it has torch,
# lightning, torchmetrics, tensorboard, scikit-learn/-image, rich, matplotlib), as wheels in
# .whl/ for scripts/gpu_check.sh to install there: that machine reaches no package index.
# Run once on a machine with network; .whl/ is git-ignored and travels with `carry`.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .whl
platforms=(--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64)
binary=(--no-deps --only-binary=:all: --python-version 3.12 --implementation cp "${platforms[@]}" -d .whl)
python3 -m pip download --quiet "${binary[@]}" \
    hydra-core==1.3.8 omegaconf==2.3.1 pydantic==2.14.4 pydantic-core==2.50.5 annotated-types==0.8.0 \
    typing-inspection==0.4.5 torch-fidelity==0.4.0 diffusers==0.42.1 importlib-metadata==10.2.0
# omegaconf's parser runtime is published only as a source archive: build its (pure Python) wheel here
python3 -m pip wheel --quiet --no-deps -w .whl antlr4-python3-runtime==4.9.3
ls -1 .whl
