#!/usr/bin/env bash
# Prints the absolute directory cargo builds into for this project, as cargo itself resolves it:
# CARGO_TARGET_DIR (absolute, or relative to the project root, where the scripts run cargo),
# build.target-dir in a cargo configuration, or target/ beside Cargo.toml. The test and
# benchmark scripts find the binaries they built through it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
