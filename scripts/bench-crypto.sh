#!/usr/bin/env bash
# Measures the simulator's signing speed against OpenSSL on this machine, in one run:
#   * `openssl speed -seconds 3 rsa2048 ecdsap256` (sign/s of the installed OpenSSL);
#   * the criterion bench `benches/crypto.rs` (sign/s with a cached SigningKey);
# then prints both and the ratios against the targets:
#   * RSA-2048 PKCS#1 v1.5 SHA-256 sign >= 0.8 x openssl rsa2048 sign/s;
#   * ECDSA P-256 sign                  >= 0.5 x openssl ecdsap256 sign/s.
# A missed target is reported, not fatal: the script exits non-zero only when it could not
# measure. Runs from the repository root (or anywhere: it cds there); installs python3 from
# Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

target_rsa_ratio=0.8
target_ecdsa_ratio=0.5
openssl_seconds=3

if ! command -v python3 >/dev/null 2>&1; then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  echo "bench-crypto: installing python3" >&2
  "${sudo[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y python3
fi
command -v openssl >/dev/null 2>&1 || { echo "bench-crypto: openssl is not installed" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/cloudhsm-bench-crypto.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Build first, so that compiling does not compete with the openssl measurement.
cargo bench --locked --bench crypto --no-run

echo "bench-crypto: $(openssl version)" >&2
openssl speed -seconds "$openssl_seconds" rsa2048 ecdsap256 >"$work/openssl.txt" 2>"$work/openssl.err" || {
  cat "$work/openssl.err" >&2
  exit 1
}
cargo bench --locked --bench crypto -- --noplot

criterion="$(scripts/target-dir.sh)/criterion/crypto-sign"
python3 - "$work/openssl.txt" "$criterion" "$target_rsa_ratio" "$target_ecdsa_ratio" <<'PY'
import json, sys

speed_file, criterion, target_rsa, target_ecdsa = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])

def openssl_sign_per_s(label_start):
    """sign/s from `openssl speed`: the header names the columns that follow each row's label."""
    header = None
    for line in open(speed_file):
        words = line.split()
        if "sign/s" in words:
            header = words
        elif header and line.strip().startswith(label_start):
            label_words = len(words) - len(header)
            return float(words[label_words + header.index("sign/s")])
    sys.exit(f"bench-crypto: no '{label_start}' row in the openssl speed output")

def criterion_sign_per_s(name):
    estimates = json.load(open(f"{criterion}/{name}/new/estimates.json"))
    return 1e9 / estimates["median"]["point_estimate"]

rows = [
    ("RSA-2048 PKCS#1 v1.5 SHA-256 sign", openssl_sign_per_s("rsa 2048 bits"),
     criterion_sign_per_s("rsa2048-pkcs1-sha256"), target_rsa),
    ("ECDSA P-256 sign", openssl_sign_per_s("256 bits ecdsa (nistp256)"),
     criterion_sign_per_s("ecdsa-p256-sha256"), target_ecdsa),
]
print()
print(f"{'operation':<36} {'openssl sign/s':>15} {'simulator sign/s':>17} {'ratio':>7} {'goal':>7}  verdict")
for name, openssl, simulator, target in rows:
    ratio = simulator / openssl
    verdict = "PASS" if ratio >= target else "FAIL"
    print(f"{name:<36} {openssl:>15,.1f} {simulator:>17,.1f} {ratio:>7.2f} {'>= ' + format(target, 'g'):>7}  {verdict}")
PY
