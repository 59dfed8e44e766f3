#!/usr/bin/env bash
# Fuzzes what the shell reads from outside (command lines, transcripts, PEM keys and
# certificates, secrets files, and the request bodies and SigV4 headers `serve` takes) with
# cargo-fuzz, each target for SECONDS (default 60), seeded from the golden transcripts, the test
# PEM files and the serve tests' request bodies. Prints each target's executions; fails when a
# target crashes (the input that crashed is kept in fuzz/artifacts/TARGET/).
#
#   scripts/fuzz.sh [SECONDS]          every target
#   FUZZ_TARGETS="lex_bind" scripts/fuzz.sh 600
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
read -ra targets <<<"${FUZZ_TARGETS:-lex_bind transcript pem_intake secrets_file serve_request}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
# libFuzzer's address sanitizer needs nightly; on stable the targets run without a sanitizer.
if cargo +nightly --version >/dev/null 2>&1; then
  fuzz=(cargo +nightly fuzz)
  sanitizer=()
else
  fuzz=(cargo fuzz)
  sanitizer=(-s none)
fi

corpus=fuzz/corpus
mkdir -p "$corpus"/{lex_bind,transcript,pem_intake,secrets_file,serve_request}

# Seeds: every command line and every transcript of the golden tests, the PEM files they import,
# and keys, a certificate and a CSR of kinds the golden files lack. Named by content, so
# re-seeding adds nothing twice.
seed() {
  local dir=$1 content name
  content=$(mktemp)
  cat >"$content"
  name=$(sha1sum <"$content" | cut -c1-16)
  mv "$content" "$dir/$name"
}
shopt -s globstar nullglob
grep -h '^aws-cloudhsm > ' tests/golden/**/*.txt | sed 's/^aws-cloudhsm > //' | sort -u |
  while IFS= read -r line; do
    printf '%s' "$line" | seed "$corpus/lex_bind"
  done
for transcript in tests/golden/**/*.txt; do
  seed "$corpus/transcript" <"$transcript"
done
for pem in tests/golden/pem/*; do
  seed "$corpus/pem_intake" <"$pem"
done
if command -v openssl >/dev/null; then
  made=$(mktemp -d)
  trap 'rm -rf "$made"' EXIT
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out "$made/k1.key" 2>/dev/null
  openssl pkey -in "$made/k1.key" -pubout | seed "$corpus/pem_intake"
  openssl pkey -in "$made/k1.key" -pubout -outform DER | seed "$corpus/pem_intake"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out "$made/p521.key" 2>/dev/null
  openssl pkey -in "$made/p521.key" -pubout | seed "$corpus/pem_intake"
  openssl req -x509 -new -key "$made/p521.key" -subj /CN=fuzz-ca -days 1 2>/dev/null |
    seed "$corpus/pem_intake"
  openssl req -new -key "$made/k1.key" -subj /CN=fuzz-cluster 2>/dev/null | seed "$corpus/pem_intake"
fi
printf '# secrets\nadmin=password1\nAlice = pa=ss\r\n\n  # indented\nbob=\n' | seed "$corpus/secrets_file"
printf 'admin=password1\nnot a pair\n' | seed "$corpus/secrets_file"
python3 fuzz/seed_serve_request.py "$corpus/serve_request"

"${fuzz[@]}" build "${sanitizer[@]}"

failed=()
for target in "${targets[@]}"; do
  log=fuzz/target/$target.log
  mkdir -p fuzz/target
  echo "== $target: ${seconds}s"
  status=0
  "${fuzz[@]}" run "${sanitizer[@]}" "$target" -- -max_total_time="$seconds" \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo "$target: ${executions:-?} executions, exit status $status (log: $log)"
  if [[ $status -ne 0 ]]; then
    grep -E '^(thread .* panicked|==[0-9]+==ERROR|SUMMARY)' "$log" | head -5 || true
    grep -E 'Test unit written to' "$log" || true
    failed+=("$target")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "crashed: ${failed[*]}" >&2
  exit 1
fi
