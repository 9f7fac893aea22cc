#!/usr/bin/env bash
# The GPU path end to end, on a machine with an NVIDIA GPU and `pip install -e '.[vllm]'`:
#
#   1. take a small Qwen2.5-VL (SMOKE_MODEL=/local/folder) or build a tiny random one,
#   2. build a few synthetic records from the bundled sample photo,
#   3. SFT a few steps,
#   4. GRPO a few steps with vLLM rollouts (colocated, through accelerate),
#   5. serve the result with `iea serve --backend vllm --option model=...` (in-process engine)
#      and send one edit through `iea client`,
#   6. the same through `vllm serve` + `iea serve --backend vllm --option url=...` (SMOKE_URL=0
#      skips it),
#
# printing each step's seconds. Every step is checked: the script stops at the first failure
# with the step's log. The edit must come back as a program or as the documented
# model_output_error (a random or barely trained model rarely writes a valid program); a
# configuration error (backend_unavailable, ...) fails the run. CI never runs this.
#
# SMOKE_CPU_REHEARSAL=1 runs the same plumbing without a GPU (no vLLM: GRPO generates with
# transformers, the bridge serves with --backend transformers); it checks the script itself.
#
#   bash benchmarks/gpu_smoke.sh [WORK_DIR]      (default: a new temp folder, removed at exit
#                                                  unless SMOKE_KEEP=1)
set -euo pipefail
cd "$(dirname "$0")/.."

USER_WORK="${1:-}"
WORK="${USER_WORK:-$(mktemp -d -t iea-gpu-smoke.XXXXXX)}"
mkdir -p "$WORK"
PY="${PYTHON:-python3}"
STEPS="${SMOKE_STEPS:-3}"
PORT="${SMOKE_PORT:-8765}"
DAEMON_PID=""
VLLM_PID=""
ENDPOINT="ipc://$WORK/bridge.sock"

cleanup() {
    local status=$?
    for pid in "$DAEMON_PID" "$VLLM_PID"; do
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    if [ "$status" != 0 ]; then
        echo "gpu_smoke: FAILED (logs in $WORK)" >&2
    elif [ -z "${SMOKE_KEEP:-}" ] && [ -z "$USER_WORK" ]; then
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT

now() { date +%s%N; }
report() {  # report NAME START_NS
    awk -v name="$1" -v start="$2" -v end="$(now)" \
        'BEGIN { printf "%-22s %8.1f s\n", name, (end - start) / 1e9 }'
}

step() {  # step NAME LIMIT_SECONDS COMMAND... : run, time, show the log's tail on failure
    local name="$1" limit="$2"
    shift 2
    local log="$WORK/$name.log" start
    start=$(now)
    if ! timeout "$limit" "$@" >"$log" 2>&1; then
        echo "== $name failed; last lines of $log:" >&2
        tail -n 40 "$log" >&2
        return 1
    fi
    report "$name" "$start"
}

wait_for_daemon() {  # the daemon answers status with a live worker
    for _ in $(seq 1 600); do
        if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
            echo "the daemon exited; see $WORK/daemon*.log" >&2
            return 1
        fi
        if "$PY" -m iea_core status --endpoint "$ENDPOINT" --json >"$WORK/status.json" 2>/dev/null \
            && "$PY" -c "import json,sys; s=json.load(open(sys.argv[1])); sys.exit(s['workers']['alive'] < 1)" \
                "$WORK/status.json"; then
            return 0
        fi
        sleep 1
    done
    echo "no worker came up within 600 s" >&2
    return 1
}

check_edit() {  # check_edit REPLY_FILE: a program, or the documented model_output_error
    "$PY" - "$1" <<'EOF'
import json, sys
reply = json.load(open(sys.argv[1]))
if reply.get("ok"):
    program = reply["result"]["program"]
    assert all(isinstance(v, int) and -100 <= v <= 100 for v in program.values()), program
    print("edit reply: program", program)
elif reply["error"]["code"] == "model_output_error":
    print("edit reply: model_output_error (the model answered; its text was not a program)")
else:
    sys.exit(f"edit reply is a configuration/transport error: {reply['error']}")
EOF
}

edit_once() {  # edit_once LABEL: one plug-in style edit through the daemon, timed
    local params start
    start=$(now)
    params=$("$PY" -c "import json,sys; print(json.dumps({'image': sys.argv[1], 'instruction': 'make it warmer and brighter'}))" \
        "$WORK/photos/p0.png")
    set +e
    "$PY" -m iea_core client edit --endpoint "$ENDPOINT" --no-start --timeout 600 \
        --json "$params" >"$WORK/edit-$1.json" 2>"$WORK/edit-$1.err"
    set -e
    report "edit_$1" "$start"
    check_edit "$WORK/edit-$1.json"
}

REHEARSAL="${SMOKE_CPU_REHEARSAL:-}"
echo "== iea GPU smoke run in $WORK${REHEARSAL:+ (CPU rehearsal: no vLLM)}"
if [ -z "$REHEARSAL" ]; then
    command -v nvidia-smi >/dev/null || { echo "no nvidia-smi: this needs an NVIDIA GPU" >&2; exit 2; }
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
    "$PY" -c "import torch, vllm, trl; assert torch.cuda.is_available(), 'torch sees no GPU'; \
print('torch', torch.__version__, '| vllm', vllm.__version__, '| trl', trl.__version__)" \
        || { echo "install the GPU extra first: pip install -e '.[vllm]'" >&2; exit 2; }
    BF16=true SIDE=224 VLLM=true
else
    BF16=false SIDE=64 VLLM=false SMOKE_URL=0
fi

# 1. model
if [ -n "${SMOKE_MODEL:-}" ]; then
    MODEL="$SMOKE_MODEL"
    echo "model: $MODEL"
else
    MODEL="$WORK/model"
    step tiny_model 300 "$PY" -c "
from training.tiny import build_tiny_vl
build_tiny_vl('$MODEL', hidden_size=128, layers=2)"
fi

# 2. data: crops of the bundled sample photo, a few synthetic records
step data 600 "$PY" -c "
import importlib.resources, pathlib
from PIL import Image
out = pathlib.Path('$WORK/photos'); out.mkdir(exist_ok=True)
with Image.open(importlib.resources.files('iea_core') / 'assets' / 'sample.jpg') as img:
    img = img.convert('RGB'); w, h = img.size
    for k, box in enumerate([(0, 0, w // 2, h // 2), (w // 2, 0, w, h // 2),
                             (0, h // 2, w // 2, h), (w // 4, h // 4, 3 * w // 4, 3 * h // 4)]):
        img.crop(box).save(out / f'p{k}.png')"
step synthetic 600 "$PY" -m iea_core train data synthetic --photos "$WORK/photos" \
    --out "$WORK/data" --programs 16 --max-side "$SIDE" --seed 1

COMMON=(--set bf16="$BF16" --set gradient_checkpointing=false --set report_to=none
        --set max_image_side="$SIDE" --set max_pixels=$((SIDE * SIDE)) --set logging_steps=1
        --set save_steps=100000)

# 3. SFT
step sft 1200 "$PY" -m iea_core train sft --config training/configs/sft_stage1.yaml \
    --set model_path="$MODEL" --set train_file="$WORK/data/stage3.jsonl" \
    --set output_dir="$WORK/sft" --set max_steps="$STEPS" --set per_device_batch_size=2 \
    --set gradient_accumulation_steps=1 --set max_length=2048 "${COMMON[@]}"
test -f "$WORK/sft/config.json"

# 4. GRPO with vLLM rollouts, colocated on this GPU (accelerate sets up the process group)
if [ "$VLLM" = true ]; then
    LAUNCH=(accelerate launch --num_processes 1 --mixed_precision bf16 -m training.grpo)
    VLLM_SETTINGS=(--set use_vllm=true --set vllm_mode=colocate
                   --set 'trl_extra={"vllm_gpu_memory_utilization": 0.3}')
else
    LAUNCH=("$PY" -m training.grpo)
    VLLM_SETTINGS=(--set use_vllm=false)
fi
step grpo 1800 "${LAUNCH[@]}" --config training/configs/grpo_stage2.yaml \
    --set model_path="$WORK/sft" --set train_file="$WORK/data/stage3.jsonl" \
    --set output_dir="$WORK/grpo" --set "rm_path=''" "${VLLM_SETTINGS[@]}" \
    --set max_steps="$STEPS" --set per_device_batch_size=4 --set num_generations=4 \
    --set gradient_accumulation_steps=1 --set max_completion_length=128 "${COMMON[@]}"
test -f "$WORK/grpo/config.json"

# 5. the bridge serves the GRPO checkpoint with an in-process vLLM engine
if [ "$VLLM" = true ]; then
    SERVE=(--backend vllm --option model="$WORK/grpo" --option max_new_tokens=256
           --option 'engine_kwargs={"gpu_memory_utilization": 0.5, "max_model_len": 8192}')
else
    SERVE=(--backend transformers --option model_path="$WORK/grpo" --option max_new_tokens=32
           --option max_pixels=$((SIDE * SIDE)) --option max_image_side="$SIDE")
fi
start=$(now)
"$PY" -m iea_core serve --endpoint "$ENDPOINT" --workers 1 --warm all "${SERVE[@]}" \
    --journal "$WORK/journal.sqlite3" >"$WORK/daemon-engine.log" 2>&1 &
DAEMON_PID=$!
wait_for_daemon
report serve_engine_ready "$start"
"$PY" -m iea_core status --endpoint "$ENDPOINT" | grep '^agent'
edit_once engine
"$PY" -m iea_core serve --endpoint "$ENDPOINT" --stop >/dev/null
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""

# 6. the same checkpoint behind `vllm serve`, reached by URL
if [ "${SMOKE_URL:-1}" != "0" ]; then
    start=$(now)
    vllm serve "$WORK/grpo" --served-model-name iea --port "$PORT" --host 127.0.0.1 \
        --gpu-memory-utilization 0.5 --max-model-len 8192 \
        --limit-mm-per-prompt '{"image": 2}' >"$WORK/vllm-serve.log" 2>&1 &
    VLLM_PID=$!
    for _ in $(seq 1 600); do
        kill -0 "$VLLM_PID" 2>/dev/null || { tail -n 40 "$WORK/vllm-serve.log" >&2; exit 1; }
        "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/v1/models', timeout=2)" \
            >/dev/null 2>&1 && break
        sleep 1
    done
    report vllm_serve_ready "$start"
    "$PY" -m iea_core serve --endpoint "$ENDPOINT" --workers 1 --warm none --backend vllm \
        --option url="http://127.0.0.1:$PORT/v1" --option served_model_name=iea \
        --journal "$WORK/journal-url.sqlite3" >"$WORK/daemon-url.log" 2>&1 &
    DAEMON_PID=$!
    wait_for_daemon
    edit_once url
fi
echo "gpu_smoke: OK"
