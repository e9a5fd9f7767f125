#!/usr/bin/env bash
# Benchmark: dispatchlint against ruff --select F on the OpenHands SDK corpus,
# at 1x, 4x and 16x, plus parse-alone time, peak RSS, thread scaling and the
# pre-commit shape. See README.md, "Benchmark".
#
# The corpus is built outside the repository, under $BENCH_DIR
# (default: target/bench), and never committed.
#
# Environment:
#   BENCH_DIR    where the wheels, corpus and ruff venv go (default: target/bench)
#   BENCH_RUNS   hyperfine runs per command (default: 10)
#   BENCH_SIZES  corpus multiples to time (default: "1 4 16")
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
bench=${BENCH_DIR:-$repo/target/bench}
runs=${BENCH_RUNS:-10}
sizes=${BENCH_SIZES:-"1 4 16"}
version=1.58.2
# Pinned so that figures from different days compare like with like.
ruff_version=0.14.0
# pyenv machines need the version named to reach python3.12.
export PYENV_VERSION=${PYENV_VERSION:-3.12.1}
python=${PYTHON:-python3.12}
mkdir -p "$bench"
bench=$(cd "$bench" && pwd)

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "bench: installing $2 (Debian)" >&2
        apt-get install -y "$2" >/dev/null 2>&1 ||
            { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }
    fi
    command -v "$1" >/dev/null 2>&1 || { echo "bench: needs $1: apt-get install $2" >&2; exit 2; }
}
need hyperfine hyperfine
[ -x /usr/bin/time ] || need /usr/bin/time time

# --- the tools -------------------------------------------------------------
cargo build --release --quiet
dl=$repo/target/release/dispatchlint
if [ ! -x "$bench/venv/bin/ruff" ] || ! "$bench/venv/bin/ruff" --version | grep -q "$ruff_version"; then
    "$python" -m venv "$bench/venv"
    "$bench/venv/bin/pip" install --quiet "ruff==$ruff_version"
fi
ruff=$bench/venv/bin/ruff

# --- the corpus ------------------------------------------------------------
# The three wheels share the `openhands` namespace package; unpacked into
# one directory they form the 1x corpus.
if [ ! -d "$bench/corpus-1x/openhands" ]; then
    mkdir -p "$bench/wheels"
    "$python" -m pip download --quiet --no-deps --dest "$bench/wheels" \
        "openhands-sdk==$version" "openhands-tools==$version" "openhands-agent-server==$version"
    rm -rf "$bench/corpus-1x.tmp" && mkdir -p "$bench/corpus-1x.tmp"
    for wheel in "$bench"/wheels/openhands_*-"$version"-*.whl; do
        "$python" -m zipfile -e "$wheel" "$bench/corpus-1x.tmp"
    done
    # Only the package: dist-info holds no Python source.
    rm -rf "$bench"/corpus-1x.tmp/*.dist-info
    mv "$bench/corpus-1x.tmp" "$bench/corpus-1x"
fi
# Nx: N copies, each renamed openhands -> openhands_copyK in paths and
# imports, so that they are distinct packages with their own hierarchies.
for n in $sizes; do
    [ "$n" = 1 ] && continue
    dir=$bench/corpus-${n}x
    [ -d "$dir" ] && continue
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    for k in $(seq 1 "$n"); do
        cp -r "$bench/corpus-1x/openhands" "$dir.tmp/openhands_copy$k"
        # `openhands` as a whole name only: `openhands_sdk`, `openhands-sdk` stay.
        find "$dir.tmp/openhands_copy$k" -name '*.py' -print0 |
            xargs -0 perl -pi -e "s/\\bopenhands\\b(?![-_])/openhands_copy$k/g"
    done
    mv "$dir.tmp" "$dir"
done
# Keep dispatchlint and ruff from picking up configuration from above the corpus.
for n in $sizes; do
    printf '' >"$bench/corpus-${n}x/dispatchlint.toml"
    printf '[lint]\n' >"$bench/corpus-${n}x/ruff.toml"
done

# --- timing ----------------------------------------------------------------
median() { # hyperfine JSON -> median seconds of command $2
    "$python" -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]; print(r['median'])" "$1" "$2"
}
peak_rss_mb() { # peak RSS in MB of one run of "$@"
    /usr/bin/time -v "$@" >/dev/null 2>"$bench/time.txt" || true
    awk '/Maximum resident set size/ {printf "%.1f", $6/1024}' "$bench/time.txt"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
# The machine is shared: a slow spell during one command's runs skews a
# ratio of two hyperfine medians. Here the two commands alternate, and the
# ratio is the median over the pairs (each pair runs within a second).
paired_ratio() { # paired_ratio RUNS "CMD A" "CMD B" -> median of A/B over RUNS pairs
    local runs=$1 a=$2 b=$3 i t0 t1 t2
    for i in $(seq 1 "$runs"); do
        if [ $((i % 2)) = 0 ]; then
            t0=$(date +%s%N); $a >/dev/null 2>&1 || true; t1=$(date +%s%N); $b >/dev/null 2>&1 || true; t2=$(date +%s%N)
            echo "$((t1 - t0)) $((t2 - t1))"
        else
            t0=$(date +%s%N); $b >/dev/null 2>&1 || true; t1=$(date +%s%N); $a >/dev/null 2>&1 || true; t2=$(date +%s%N)
            echo "$((t2 - t1)) $((t1 - t0))"
        fi
    done | "$python" -c "import sys, statistics; print('%.2f' % statistics.median(int(a) / int(b) for a, b in (l.split() for l in sys.stdin)))"
}
ms() { awk -v a="$1" 'BEGIN {printf "%.0f", a*1000}'; }

declare -A check_s
report=$bench/report.txt
: >"$report"
say() { echo "$@" | tee -a "$report"; }

for n in $sizes; do
    dir=$bench/corpus-${n}x
    files=$(find "$dir" -name '*.py' | wc -l)
    lines=$(find "$dir" -name '*.py' -print0 | xargs -0 cat | wc -l)
    json=$bench/times-${n}x.json
    (cd "$dir" && hyperfine --style basic --warmup 2 --runs "$runs" -i --export-json "$json" \
        -n check "$dl check --isolated --exit-zero --output-format concise --no-cache ." \
        -n agents "$dl agents --isolated --no-cache ." \
        -n ruff-F "$ruff check --no-cache --isolated --select F --exit-zero --quiet ." \
        -n parse "$dl parse --isolated ." \
        >"$bench/hyperfine-${n}x.txt")
    check=$(median "$json" 0)
    agents=$(median "$json" 1)
    ruff_t=$(median "$json" 2)
    parse=$(median "$json" 3)
    check_s[$n]=$check
    say ""
    say "== ${n}x corpus: $files files, $lines lines =="
    say "median  check $(ms "$check") ms | agents $(ms "$agents") ms | ruff --select F $(ms "$ruff_t") ms | parse alone $(ms "$parse") ms"
    say "check / ruff-F        $(ratio "$check" "$ruff_t")   (target <= 1.0 at 1x)"
    say "check / parse alone   $(ratio "$check" "$parse")   (target <= 1.5: overhead <= 50%)"
    paired=$(cd "$dir" && paired_ratio "$((runs * 2))" \
        "$dl check --isolated --exit-zero --output-format concise --no-cache ." "$dl parse --isolated .")
    say "check / parse alone   $paired   (paired: median over $((runs * 2)) alternating pairs)"
    say "peak RSS check $(cd "$dir" && peak_rss_mb "$dl" check --isolated --exit-zero --output-format concise --no-cache .) MB" \
        "| ruff $(cd "$dir" && peak_rss_mb "$ruff" check --no-cache --isolated --select F --exit-zero --quiet .) MB   (target < 150 MB at 1x)"
    say "phases (one run of check --stats):"
    (cd "$dir" && "$dl" check --isolated --exit-zero --output-format concise --no-cache --stats . 2>&1 >/dev/null |
        sed 's/^/    /' | tee -a "$report")
done

if [ -n "${check_s[1]:-}" ] && [ -n "${check_s[16]:-}" ]; then
    say ""
    say "16x / 1x check        $(ratio "${check_s[16]}" "${check_s[1]}")   (target <= 18)"
fi

# Threads: the same 1x run on one and on two worker threads.
first=${sizes%% *}
dir=$bench/corpus-${first}x
json=$bench/threads.json
(cd "$dir" && hyperfine --style basic --warmup 1 --runs "$runs" -i --export-json "$json" \
    -n threads-1 "$dl check --isolated --exit-zero --output-format concise --no-cache --threads 1 ." \
    -n threads-2 "$dl check --isolated --exit-zero --output-format concise --no-cache --threads 2 ." \
    >"$bench/hyperfine-threads.txt")
t1=$(median "$json" 0)
t2=$(median "$json" 1)
say ""
say "== threads (${first}x) =="
say "--threads 1 $(ms "$t1") ms | --threads 2 $(ms "$t2") ms | speed-up $(ratio "$t1" "$t2")   (target >= 1.6)"

# Pre-commit: 5 changed files on the largest corpus, whole project analyzed.
last=${sizes##* }
dir=$bench/corpus-${last}x
mapfile -t changed < <(cd "$dir" && find . -name '*.py' -path '*agent*' | sort | head -5)
json=$bench/precommit.json
# The facts cache lives in its own directory here, so that runs start from
# a known state: "cold" empties it before every run, the others reuse it.
export DISPATCHLINT_CACHE_DIR=$bench/cache
(cd "$dir" && hyperfine --style basic --warmup 2 --runs "$runs" -i --export-json "$json" \
    -n full-no-cache "$dl check --isolated --exit-zero --output-format concise --no-cache ." \
    -n precommit-no-cache "$dl check --isolated --exit-zero --output-format concise --no-cache --project-root . ${changed[*]}" \
    -n precommit-cached "$dl check --isolated --exit-zero --output-format concise --project-root . ${changed[*]}" \
    -n full-cached "$dl check --isolated --exit-zero --output-format concise ." \
    >"$bench/hyperfine-precommit.txt")
(cd "$dir" && hyperfine --style basic --runs 3 -i --export-json "$bench/cold.json" \
    --prepare "rm -rf $bench/cache" \
    -n full-cold "$dl check --isolated --exit-zero --output-format concise ." \
    >"$bench/hyperfine-cold.txt")
full=$(median "$json" 0)
pcn=$(median "$json" 1)
pc=$(median "$json" 2)
fc=$(median "$json" 3)
cold=$(median "$bench/cold.json" 0)
say ""
say "== pre-commit (${last}x, 5 files: ${changed[*]}) =="
say "full --no-cache $(ms "$full") ms | 5 files --no-cache $(ms "$pcn") ms ($(ratio "$pcn" "$full") of full)"
say "5 files, warm cache $(ms "$pc") ms ($(ratio "$pc" "$full") of full)   (target < 0.5)"
say "full, warm cache $(ms "$fc") ms | full, cold cache (writing it) $(ms "$cold") ms"
say ""
say "raw hyperfine output and JSON: $bench"

# langchain-community 0.4.2 with every built-in pack and --python-path, when
# `.ci/setup` has unpacked it (issue 13's speed target: check <= ruff).
if [ -d "$repo/target/test-deps/langchain-community-0.4.2" ]; then
    say ""
    say "== langchain-community 0.4.2 =="
    DL=$dl BENCH_DIR=$bench BENCH_RUNS=$runs bash "$repo/bench/langchain.sh" | tee -a "$report"
fi
