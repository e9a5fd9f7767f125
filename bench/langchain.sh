#!/usr/bin/env bash
# langchain-community 0.4.2 (1,204 files) with every built-in pack and
# --python-path at the test venv's langchain-core: `dispatchlint check` and
# `agents` against `ruff check --no-cache --select F` on the same files.
# Needs `bash .ci/setup` (the venv and the unpacked wheel) and hyperfine.
#
# Environment:
#   BENCH_RUNS   runs per command, and alternating pairs (default: 10)
#   BENCH_DIR    where ruff's venv goes (default: target/bench)
#   DL           the dispatchlint binary (default: target/release/dispatchlint, built)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
runs=${BENCH_RUNS:-10}
bench=${BENCH_DIR:-$repo/target/bench}
export PYENV_VERSION=${PYENV_VERSION:-3.12.1}
python=${PYTHON:-python3.12}
corpus=$repo/target/test-deps/langchain-community-0.4.2/langchain_community
site=$repo/target/test-deps/venv/lib/python3.12/site-packages
[ -d "$corpus" ] && [ -d "$site" ] || { echo "bench: run bash .ci/setup first" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine" >&2; exit 2; }
if [ -z "${DL:-}" ]; then
    cargo build --release --quiet
    DL=$repo/target/release/dispatchlint
fi
if [ ! -x "$bench/venv/bin/ruff" ] || ! "$bench/venv/bin/ruff" --version | grep -q 0.14.0; then
    "$python" -m venv "$bench/venv"
    "$bench/venv/bin/pip" install --quiet "ruff==0.14.0"
fi
ruff=$bench/venv/bin/ruff

check=("$DL" check --isolated --no-cache --exit-zero --output-format concise --python-path "$site" "$corpus")
agents=("$DL" agents --isolated --no-cache --format json --python-path "$site" "$corpus")
lint=("$ruff" check --no-cache --isolated --select F --exit-zero --quiet "$corpus")

echo "files: $(find "$corpus" -name '*.py' | wc -l)"
hyperfine --warmup 2 --runs "$runs" -N \
    "${check[*]}" "${agents[*]}" "${lint[*]}"

# A slow spell on the shared machine during one command's runs skews a ratio
# of two medians: also the median over pairs run back to back.
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
ratios=()
for _ in $(seq "$runs"); do
    a=$(ms "${check[@]}")
    b=$(ms "${lint[@]}")
    ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')")
done
printf '%s\n' "${ratios[@]}" | sort -n |
    awk '{ r[NR] = $1 } END { m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2;
          printf "check / ruff, median of %d alternating pairs: %.2f\n", NR, m }'
