#!/usr/bin/env bash
# The prepared GPU pass for a session that the device tool lends a machine (docs/benchmarks.md):
#   here, once:   bash scripts/gpu_wheels.sh        (what that machine's image lacks, into .whl/)
#   there:        bash scripts/gpu_check.sh smoke    every family, a few steps on trainer=gpu and
#                                                    trainer=ddp (about 4 min)
#                 bash scripts/gpu_check.sh bench    the training benchmarks, fp32 then bf16-mixed
#                                                    (about 6 min)
# each as one `run` with carry [".whl"]. Results go to $OUT (summary.txt, smoke.log, bench.txt).
# DEVICE=cpu runs the same pass here, to check the script itself.
set -u
mode=${1:?usage: gpu_check.sh smoke|bench}
cd "$(dirname "$0")/.."
OUT=${OUT:-outputs/gpu_check}
DEVICE=${DEVICE:-gpu}
PY=${PYTHON:-python3}
STEPS=${STEPS:-20}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"
if [ -d .whl ] && ! $PY -c 'import hydra, pydantic, diffusers' 2>/dev/null; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
fi
summary=$OUT/summary.txt
{
    date -u
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
    $PY -c 'import torch, lightning; print("torch", torch.__version__, "lightning", lightning.__version__, "cuda", torch.cuda.is_available())'
} >>"$summary" 2>&1

families=(vae dcgan wgan_gp stylegan2 ddpm pixelcnn pix2pix cyclegan srgan)

smoke() {
    local trainers=(gpu ddp)
    [ "$DEVICE" = cpu ] && trainers=(cpu)
    for model in "${families[@]}"; do
        for trainer in "${trainers[@]}"; do
            local start=$SECONDS
            echo "=== model=$model trainer=$trainer" >>"$OUT/smoke.log"
            timeout -k 10 150 $PY -m genlab train "model=$model" "trainer=$trainer" "trainer.max_steps=$STEPS" \
                trainer.max_epochs=-1 +trainer.limit_val_batches=2 trainer.enable_progress_bar=false \
                "paths.output_root=/tmp/gpu_check_runs" >>"$OUT/smoke.log" 2>&1
            echo "smoke model=$model trainer=$trainer rc=$? $((SECONDS - start)) s" >>"$summary"
        done
    done
}

bench() {
    local runs=(
        "bench_vae.py --batches 400"
        "bench_gan.py --batches 300"
        "bench_stylegan2.py --batches 100 --batch-size 32"
        "bench_pixelcnn_training.py --batches 200 --image-size 28"
        "bench_translation.py --model pix2pix --batches 100 --batch-size 16"
        "bench_translation.py --model cyclegan --batches 60 --batch-size 4"
        "bench_ddpm.py --batches 100 --samples 4"
    )
    [ "$DEVICE" = cpu ] && runs=("bench_vae.py --batches 5" "bench_gan.py --batches 3")
    for precision in 32-true bf16-mixed; do
        for run in "${runs[@]}"; do
            echo "=== $run --device $DEVICE --precision $precision" >>"$OUT/bench.txt"
            # shellcheck disable=SC2086
            (cd scripts && timeout -k 10 200 $PY $run --device "$DEVICE" --precision "$precision") 2>&1 \
                | grep -E "^(device|model|plain|genlab|ratio|training|sampling)" >>"$OUT/bench.txt"
            echo "bench $run $precision rc=${PIPESTATUS[0]}" >>"$summary"
        done
    done
}

"$mode"
cat "$summary"
