#!/usr/bin/env bash
# The cargo step on a real crate (README, "As a cargo lint step"):
#
# 1. langchain-rust 7.0.0, fetched with cargo into a scratch workspace under
#    $BENCH_DIR/cargo (never committed): `dispatchlint agents` on its own
#    source with the built-in pack that names `Chain`, and every verdict
#    listed (the script fails unless there are 18, none unknown).
# 2. The scratch workspace itself, whose chains implement langchain-rust's
#    `Chain`: `cargo dispatchlint check` (reading langchain-rust's source)
#    against `cargo clippy` warm on the same workspace, with hyperfine.
#
# Environment: BENCH_DIR (default: target/bench), BENCH_CARGO_DIR (the scratch
# workspace, default: $BENCH_DIR/cargo), BENCH_RUNS (default: 10).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
bench=${BENCH_CARGO_DIR:-${BENCH_DIR:-$repo/target/bench}/cargo}
runs=${BENCH_RUNS:-10}
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine" >&2; exit 2; }

cargo build --release --bins
bin=$repo/target/release
export PATH=$bin:$PATH

mkdir -p "$bench/src"
cat > "$bench/Cargo.toml" <<'TOML'
[package]
name = "lcr-bench"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
langchain-rust = "=7.0.0"
async-trait = "0.1"
futures = "0.3"

[workspace]
TOML
cat > "$bench/src/lib.rs" <<'RUST'
//! Chains over langchain-rust's `Chain`, for the cargo-step measurement.

use std::pin::Pin;

use async_trait::async_trait;
use futures::Stream;
use langchain_rust::chain::{Chain, ChainError};
use langchain_rust::language_models::GenerateResult;
use langchain_rust::prompt::PromptArgs;
use langchain_rust::schemas::StreamData;

/// Only `call`: `stream` is the default, which fails.
pub struct SyncOnly;

#[async_trait]
impl Chain for SyncOnly {
    async fn call(&self, _input: PromptArgs) -> Result<GenerateResult, ChainError> {
        Ok(GenerateResult::default())
    }
}

/// Streams natively.
pub struct Streaming;

#[async_trait]
impl Chain for Streaming {
    async fn call(&self, _input: PromptArgs) -> Result<GenerateResult, ChainError> {
        Ok(GenerateResult::default())
    }

    async fn stream(
        &self,
        _input: PromptArgs,
    ) -> Result<Pin<Box<dyn Stream<Item = Result<StreamData, ChainError>> + Send>>, ChainError>
    {
        Ok(Box::pin(futures::stream::empty()))
    }
}

/// Forwards `call` only: a streaming chain inside loses `stream`.
pub struct Logged<C>(pub C);

#[async_trait]
impl<C: Chain> Chain for Logged<C> {
    async fn call(&self, input: PromptArgs) -> Result<GenerateResult, ChainError> {
        self.0.call(input).await
    }
}
RUST
cd "$bench"
cargo fetch
source=$(cargo metadata --format-version 1 --filter-platform "$(rustc -vV | sed -n 's/^host: //p')" |
    python3 -c 'import json,sys; print(next(p["manifest_path"] for p in json.load(sys.stdin)["packages"] if p["name"] == "langchain-rust").rsplit("/", 1)[0])')
echo "== langchain-rust 7.0.0 at $source: every Chain verdict"
(cd "$source" && dispatchlint agents --no-cache src) | tee "$bench/verdicts.txt"
count=$(grep -c '^chain ' "$bench/verdicts.txt")
unknown=$(grep -c '^chain  *unknown' "$bench/verdicts.txt" || true)
[ "$count" = 18 ] && [ "$unknown" = 0 ] ||
    { echo "bench: expected 18 decided Chain verdicts, got $count ($unknown unknown)" >&2; exit 1; }

echo "== cargo dispatchlint check on the scratch workspace (reads langchain-rust's source)"
cargo dispatchlint check --offline --no-cache --output-format concise || true
cargo dispatchlint check --offline --no-cache --stats --output-format concise >/dev/null || true
echo "== against cargo clippy, warm (dependencies built once first)"
cargo clippy --offline -q
hyperfine --runs "$runs" --warmup 1 -i \
    -n 'cargo dispatchlint check' 'cargo dispatchlint check --offline --no-cache --output-format concise' \
    -n 'cargo clippy (nothing changed)' 'cargo clippy --offline -q' \
    -n 'cargo clippy (lib.rs touched)' 'touch src/lib.rs && cargo clippy --offline -q'
