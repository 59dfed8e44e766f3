#!/usr/bin/env bash
# Measures `cloudhsm-shell serve` on loopback against a peer, in the same minutes:
#   * DescribeCustomKeyStores through serve with 8 concurrent clients: requests per second and
#     latency p50/p99, side by side with moto's server (from PyPI) answering DescribeKey, the
#     nearest operation moto implements (it has no custom key stores). Target: at least 10x.
#   * One `cloudhsm-shell --aws --endpoint-url URL keystore describe` as a whole process
#     against serve, side by side with the same command on the simulator. Target: at most 2x.
# The load generator is wrk (Debian) with 2 threads and 8 connections, run on serve and moto
# alternately for BENCH_ROUNDS rounds (default 3) of BENCH_SECONDS each (default 10); the median
# round is reported. The whole-process pair runs in as many rounds, in alternating order. Before timing, one request to each is checked to carry the expected answer,
# and wrk's non-2xx count must be zero. A missed target is reported, not fatal: the script exits
# non-zero only when it could not measure. Installs wrk and hyperfine from Debian when missing
# and moto into target/aws-venv.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${BENCH_ROUNDS:-3}"
seconds="${BENCH_SECONDS:-10}"
runs="${BENCH_RUNS:-30}"

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if ((${#missing[@]})); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  echo "bench-serve: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
source scripts/aws-venv.sh
aws_venv moto

# --aws is in the build with the cargo feature `aws` only.
cargo build --release --locked --features aws
bin="$(scripts/target-dir.sh)/release/cloudhsm-shell"

work="$(mktemp -d "${TMPDIR:-/tmp}/cloudhsm-bench-serve.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
state="$work/state"

# --- a state with one key store, and serve on it ---------------------------------------------
cat >"$work/setup.cli" <<'EOF'
cluster activate --password BenchPassw0rd
login --username admin --role admin --password BenchPassw0rd
user create --username kmsuser --role crypto-user --password KmsBench123
logout
EOF
"$bin" --state-dir "$state" --file "$work/setup.cli" >"$work/setup.out"
cluster_id=$("$bin" --state-dir "$state" cloudhsmv2 describe-clusters |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["Clusters"][0]["ClusterId"])')
"$bin" --state-dir "$state" keystore create --custom-key-store-name bench-store \
  --cloud-hsm-cluster-id "$cluster_id" --trust-anchor-certificate "file://$state/customerCA.crt" \
  --key-store-password KmsBench123 >"$work/create.out" 2>"$work/create.err"
store_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["CustomKeyStoreId"])' "$work/create.out")

"$bin" serve --listen 127.0.0.1:0 --state-dir "$state" >"$work/serve.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [[ -s $work/serve.out ]] && break; sleep 0.05; done
serve_url=$(sed -n 's/^Listening on //p' "$work/serve.out")
[[ -n $serve_url ]] || { echo "bench-serve: serve did not start" >&2; exit 1; }

moto_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$AWS_VENV/bin/moto_server" -p "$moto_port" >/dev/null 2>&1 &
pids+=($!)
moto_url="http://127.0.0.1:$moto_port"
for _ in $(seq 200); do curl -s -o /dev/null "$moto_url" && break; sleep 0.05; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1
key_id=$("$AWS_VENV/bin/python" -c '
import boto3, sys
kms = boto3.client("kms", endpoint_url=sys.argv[1])
print(kms.create_key(Description="bench")["KeyMetadata"]["KeyId"])' "$moto_url")

# --- the work is really done: one request each, checked -------------------------------------
# moto routes a request to a service by its SigV4 credential scope (it checks no signature, nor
# does serve without --require-credentials): both get the same well-formed, unchecked header.
amz_date=$(date -u +%Y%m%dT%H%M%SZ)
authorization="AWS4-HMAC-SHA256 Credential=bench/${amz_date:0:8}/us-east-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=$(printf '0%.0s' $(seq 64))"
request() { # URL TARGET BODY
  curl -s -X POST "$1/" -H "X-Amz-Target: TrentService.$2" \
    -H 'Content-Type: application/x-amz-json-1.1' -H "X-Amz-Date: $amz_date" \
    -H "Authorization: $authorization" --data "$3"
}
serve_body='{}'
moto_body="{\"KeyId\":\"$key_id\"}"
request "$serve_url" DescribeCustomKeyStores "$serve_body" | grep -q "\"CustomKeyStoreId\":\"$store_id\"" || {
  echo "bench-serve: serve's DescribeCustomKeyStores does not list $store_id" >&2; exit 1; }
request "$moto_url" DescribeKey "$moto_body" | grep -q "\"KeyId\": *\"$key_id\"" || {
  echo "bench-serve: moto's DescribeKey does not describe $key_id" >&2; exit 1; }

lua() { # TARGET BODY
  cat <<EOF
wrk.method = "POST"
wrk.body = '$2'
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "TrentService.$1"
wrk.headers["X-Amz-Date"] = "$amz_date"
wrk.headers["Authorization"] = "$authorization"
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
EOF
}
lua DescribeCustomKeyStores "$serve_body" >"$work/serve.lua"
lua DescribeKey "$moto_body" >"$work/moto.lua"

measure() { # NAME URL SCRIPT
  local line
  line=$(wrk -t2 -c8 -d"${seconds}s" -s "$3" "$2/" | grep '^RESULT')
  read -r _ rps p50 p99 errors <<<"$line"
  [[ $errors -eq 0 ]] || { echo "bench-serve: $1 had $errors failed requests" >&2; exit 1; }
  echo "$1 $rps $p50 $p99" >>"$work/rounds.txt"
}
for round in $(seq "$rounds"); do
  measure serve "$serve_url" "$work/serve.lua"
  measure moto "$moto_url" "$work/moto.lua"
  echo "bench-serve: round $round of $rounds done" >&2
done

python3 - "$work/rounds.txt" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
def median(name, column):
    return statistics.median(float(row[column]) for row in rows if row[0] == name)
serve, moto = median("serve", 1), median("moto", 1)
print(f"serve DescribeCustomKeyStores: {serve:,.0f} req/s, p50 {median('serve', 2):.2f} ms, p99 {median('serve', 3):.2f} ms")
print(f"moto  DescribeKey:             {moto:,.0f} req/s, p50 {median('moto', 2):.2f} ms, p99 {median('moto', 3):.2f} ms")
ratio = serve / moto
print(f"ratio: {ratio:.1f}x (target at least 10x): {'met' if ratio >= 10 else 'MISSED'}")
EOF

# --- one whole process: --aws against serve vs the simulator --------------------------------
aws_describe=("$bin" --state-dir "$state" --aws --endpoint-url "$serve_url" --region us-east-1 keystore describe)
sim_describe=("$bin" --state-dir "$state" keystore describe)
"${aws_describe[@]}" | grep -q "\"CustomKeyStoreId\":\"$store_id\"" || {
  echo "bench-serve: keystore describe with --aws does not list $store_id" >&2; exit 1; }
"${sim_describe[@]}" | grep -q "\"CustomKeyStoreId\":\"$store_id\"" || {
  echo "bench-serve: keystore describe on the simulator does not list $store_id" >&2; exit 1; }
# Rounds in alternating order, each timing both commands; the median of the per-round ratios.
for round in $(seq "$rounds"); do
  if ((round % 2)); then order=(-n aws "${aws_describe[*]}" -n sim "${sim_describe[*]}")
  else order=(-n sim "${sim_describe[*]}" -n aws "${aws_describe[*]}"); fi
  hyperfine -N -w 3 -r "$runs" --export-json "$work/process-$round.json" "${order[@]}" >/dev/null
done
python3 - "$work"/process-*.json <<'EOF'
import json, statistics, sys
rounds = []
for path in sys.argv[1:]:
    results = {r["command"]: r["median"] * 1000 for r in json.load(open(path))["results"]}
    rounds.append((results["aws"], results["sim"]))
for aws, sim in rounds:
    print(f"  round: --aws against serve {aws:.1f} ms, simulator {sim:.1f} ms, {aws / sim:.2f}x")
ratio = statistics.median(aws / sim for aws, sim in rounds)
print(f"keystore describe, whole process: median ratio {ratio:.2f}x over {len(rounds)} rounds (target at most 2x): {'met' if ratio <= 2 else 'MISSED'}")
EOF
