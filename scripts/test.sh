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

# An independent AWS client: boto3, in a private virtual environment, drives `serve` through the
# key store workflow, a KMS key and the documented exceptions, so botocore's parsing checks the
# wire format (the binary is the debug build `cargo test` just made).
source scripts/aws-venv.sh
aws_venv
CLOUDHSM_SHELL_BIN="$(pwd)/${CARGO_TARGET_DIR:-target}/debug/cloudhsm-shell" \
  "$AWS_VENV/bin/python" -W ignore::ResourceWarning tests/aws_clients/serve_boto3.py
