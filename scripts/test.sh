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
# The PKCS#11 tests run the shell, pkcs11-tool and openssl on SoftHSM2 tokens of their own.
scripts/softhsm.sh install

cargo fmt --all -- --check
# Every test runs with the cargo feature `aws` (the --aws backend and the golden transcripts over
# the AWS wire); the default build, without it, is linted too.
cargo clippy --all-targets --locked -- -D warnings
cargo clippy --all-targets --locked --features aws -- -D warnings
cargo test --locked --features aws

# The default build runs the simulator and serve; there --aws stops at start-up (exit 2) and
# says how to build it in.
cargo build --locked
binary="$(scripts/target-dir.sh)/debug/cloudhsm-shell"
status=0
refusal=$("$binary" --aws --region us-east-1 --state-dir "$(mktemp -d)/state" keystore describe 2>&1) || status=$?
if [[ $status -ne 2 || $refusal != *"--features aws"* ]]; then
  echo "test.sh: --aws in the default build gave exit status $status: $refusal" >&2
  exit 1
fi

# An independent AWS client: boto3, in a private virtual environment, drives `serve` through the
# key store workflow, a KMS key and the documented exceptions, so botocore's parsing checks the
# wire format (on the default debug build just made).
source scripts/aws-venv.sh
aws_venv
CLOUDHSM_SHELL_BIN="$binary" \
  "$AWS_VENV/bin/python" -W ignore::ResourceWarning tests/aws_clients/serve_boto3.py
