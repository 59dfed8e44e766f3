#!/usr/bin/env bash
# Measures batch-mode `crypto sign ed25519` against `openssl speed ed25519`, side by side in one
# run (target: at least 0.5 x openssl's sign/s). The key lives on an hsm2m.medium cluster in
# NON_FIPS mode, which the script makes in a fresh simulator state; a sample of the batch's
# signatures must verify with `openssl pkeyutl -verify -rawin`, or the script exits 1.
# openssl and the shell alternate for BENCH_ROUNDS rounds (default 5) and the verdict is on the
# median of the per-round ratios. As in bench-keys.sh, the shell's rate is per signature: a
# one-signature process's time (start, state, login) is taken off the batch's, since `openssl
# speed` pays none of it; the whole-process ratio is printed beside it. BENCH_SIGNS_ED25519 sets
# the batch size (default 40000), BENCH_RUNS the shell's timed runs per round (default 2),
# BENCH_SAMPLES the signatures openssl verifies (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."

signs="${BENCH_SIGNS_ED25519:-40000}"
rounds="${BENCH_ROUNDS:-5}"
runs="${BENCH_RUNS:-2}"
samples="${BENCH_SAMPLES:-5}"

missing=()
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if ((${#missing[@]})); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  echo "bench-eddsa: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cargo build --release --locked --quiet
shell="$(scripts/target-dir.sh)/release/cloudhsm-shell"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
state="$work/state"
admin_password=bench-admin-1
user_password=benchuser1
login="login --username bencher --role crypto-user --password $user_password"

# A JSON value of stdin, by a Python subscript such as ['data']['ClusterId'].
field() { python3 -c "import json, sys; print(eval('json.load(sys.stdin)' + sys.argv[1]))" "$1"; }

echo "bench-eddsa: making an hsm2m.medium NON_FIPS cluster" >&2
mapping=$("$shell" --state-dir "$state" cloudhsmv2 describe-clusters |
  python3 -c "import json, sys
mapping = json.load(sys.stdin)['data']['Clusters'][0]['SubnetMapping']
print(' '.join(mapping.values())); print(' '.join(mapping))")
subnet_ids=$(sed -n 1p <<<"$mapping")
zones=$(sed -n 2p <<<"$mapping")
# shellcheck disable=SC2086 # one word per subnet
created=$("$shell" --state-dir "$state" cloudhsmv2 create-cluster --hsm-type hsm2m.medium \
  --mode NON_FIPS --subnet-ids $subnet_ids)
cluster_id=$(field "['data']['Cluster']['ClusterId']" <<<"$created")
for zone in $zones; do
  "$shell" --state-dir "$state" cloudhsmv2 create-hsm --cluster-id "$cluster_id" \
    --availability-zone "$zone" >/dev/null
done
"$shell" --state-dir "$state" cloudhsmv2 initialize-cluster --cluster-id "$cluster_id" \
  --generate-customer-ca >/dev/null
run="$shell --state-dir $state --cluster-id $cluster_id"
$run >/dev/null <<SETUP
cluster activate --password $admin_password
login --username admin --role admin --password $admin_password
user create --username bencher --role crypto-user --password $user_password
logout
$login
key generate-asymmetric-pair ec --public-label ed-public --private-label ed-private --curve ed25519 --private-attributes sign=true
key generate-file --encoding pem --path $work/ed.pem --filter attr.label=ed-public
SETUP

batch() {
  local file=$1 count=$2
  {
    echo "$login"
    awk -v n="$count" 'BEGIN {
      for (i = 0; i < n; i++)
        print "crypto sign ed25519 --key-filter attr.label=ed-private --data SGVsbG8sIENsb3VkSFNNIQ=="
    }'
  } >"$file"
}
batch "$work/ed.cli" "$signs"
batch "$work/ed-one.cli" 1

# The batch must succeed, and a sample of its signatures verify with openssl, before timing.
$run --file "$work/ed.cli" >"$work/ed.out"
failures=$(grep -vc '"error_code":0' "$work/ed.out" || true)
if [[ $failures -ne 0 ]]; then
  echo "bench-eddsa: the batch printed $failures failures" >&2
  exit 1
fi
printf 'Hello, CloudHSM!' >"$work/data"
python3 scripts/verify-signatures.py ed25519 "$work/ed.pem" "$work/data" \
  --batch "$work/ed.out" --samples "$samples"

for round in $(seq 1 "$rounds"); do
  echo "bench-eddsa: round $round of $rounds" >&2
  openssl speed -seconds 3 ed25519 2>/dev/null >"$work/openssl-$round.txt"
  hyperfine -N --style none --runs "$runs" --export-json "$work/ed-$round.json" \
    --command-name ed25519-sign "$run --file $work/ed.cli" \
    --command-name ed25519-one "$run --file $work/ed-one.cli"
done

python3 - "$work" "$rounds" "$signs" <<'REPORT'
import json, re, statistics, sys
work, rounds, signs = sys.argv[1:]
target = 0.5
ratios, whole = [], []
print(f"Ed25519 sign/s in a batch of {signs} (target >= {target}x openssl speed, per-signature "
      "rate, median of the rounds)")
for r in range(1, int(rounds) + 1):
    text = open(f"{work}/openssl-{r}.txt").read()
    openssl = float(re.search(r"EdDSA \(Ed25519\)\s+\S+s\s+\S+s\s+([\d.]+)", text).group(1))
    batch, one = (result["median"] for result in json.load(open(f"{work}/ed-{r}.json"))["results"])
    per_signature = (int(signs) - 1) / (batch - one)
    ratios.append(per_signature / openssl)
    whole.append(int(signs) / batch / openssl)
    print(f"  round {r}: openssl {openssl:>9.0f}/s  shell {per_signature:>9.0f}/s per signature "
          f"(ratio {ratios[-1]:.3f}), {int(signs) / batch:>9.0f}/s over the whole process "
          f"(ratio {whole[-1]:.3f})")
median = statistics.median(ratios)
print(f"  median ratio {median:.3f}  {'PASS' if median >= target else 'FAIL'}  "
      f"(whole process: {statistics.median(whole):.3f})")
REPORT
