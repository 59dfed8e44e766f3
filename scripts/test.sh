#!/usr/bin/env bash
# Runs every test of cloudhsm-shell, installing what is missing first. CI runs exactly this.
# Usage: scripts/test.sh [--long]
set -euo pipefail
cd "$(dirname "$0")/.."

# `--long` (or LONG=1) runs the randomized tests at length: 50 SIGKILL trials instead of 3.
if [[ ${1:-} == --long || ${LONG:-} == 1 ]]; then
  export CLOUDHSM_SHELL_LONG_TESTS=1
fi

# rustfmt and clippy come with rustup's default profile; add them where a minimal one is installed.
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    rustup component add "$component"
  fi
done

# The interop tests check the shell's signatures and wrapped keys with the openssl binary.
if [[ ! -x /usr/bin/openssl ]]; then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq openssl >/dev/null
fi

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
