#!/usr/bin/env bash
# Mutation testing of the security rules: `cargo mutants` changes one thing at a time in the
# files that hold them (an `||` to `&&`, a bound moved by one, a check that returns `Ok(())`)
# and runs the unit tests that cover them; a mutant the tests let through is a rule no test
# guards. Prints the score of every file (caught of viable mutants) from mutants.out.
#
# Slow (one incremental build per mutant), so not part of scripts/test.sh. Usage:
#   scripts/mutants.sh                 every file below
#   scripts/mutants.sh src/session.rs  only the files named
# MUTANTS_TIMEOUT sets the seconds one mutant's tests may take (default 300); MUTANTS_OUT the
# directory that receives mutants.out (default target/mutants); MUTANTS_TESTS test name filters
# (e.g. "session:: backend::kms::") to run fewer than all the unit tests, where a mutant it
# reports missed must then be checked against the rest. Extra cargo-mutants options go in
# MUTANTS_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."

# The files that hold the rules, each with the rule it holds.
files=(
  src/session.rs                      # the role gate
  src/backend/hsm/sim.rs              # own-password rule, stale logins, login and lockout
  src/backend/hsm/sim/keys.rs         # key ownership and sharing, sealing associated data
  src/backend/sim/keys.rs             # who may see and use a key row
  src/backend/sim/users.rs            # usernames, failed-login counts, lockout
  src/backend/sim/logins.rs           # recorded logins and dead processes
  src/backend/sim/password.rs         # password rules and hashing
  src/secret.rs                       # secrets never shown
  src/backend/sim/crypto/vault.rs     # sealing key material at rest
  src/backend/kms/validate.rs         # the KMS request constraints
  src/backend/kms/sim/connection.rs   # the connect steps and the sealed store password
)
if (($#)); then
  files=("$@")
fi

# Mutants that cannot change behaviour, as cargo-mutants names them (regular expressions over
# "file:line:col: replace ... with ..."), each with its reason.
exclusions=(
)

if ! command -v cargo-mutants >/dev/null 2>&1; then
  echo "mutants: installing cargo-mutants" >&2
  cargo install cargo-mutants --locked
fi

out="${MUTANTS_OUT:-target/mutants}"
mkdir -p "$out"
args=(--no-shuffle --jobs 1 --timeout "${MUTANTS_TIMEOUT:-300}" --output "$out")
for file in "${files[@]}"; do
  args+=(--file "$file")
done
for exclusion in "${exclusions[@]}"; do
  args+=(--exclude-re "$exclusion")
done
# shellcheck disable=SC2206 # MUTANTS_ARGS is a list of words on purpose
args+=(${MUTANTS_ARGS:-})

# cargo mutants exits non-zero when a mutant survives; the scores below say which.
status=0
# --lib for the build as well as the test run: only the library's unit tests are built.
args+=(--cargo-arg=--lib)
# shellcheck disable=SC2206 # MUTANTS_TESTS is a list of words on purpose
filters=(${MUTANTS_TESTS:-})
if ((${#filters[@]})); then
  args+=(-- -- "${filters[@]}")
fi
nice -n 19 cargo mutants "${args[@]}" || status=$?

python3 - "$out/mutants.out/outcomes.json" <<'PYTHON'
"""Caught of viable mutants per file, and every mutant that survived."""
import json
import sys
from collections import defaultdict

with open(sys.argv[1]) as handle:
    outcomes = json.load(handle)["outcomes"]
scores = defaultdict(lambda: {"caught": 0, "missed": 0, "timeout": 0, "unviable": 0})
survivors = []
for outcome in outcomes:
    scenario = outcome["scenario"]
    if not isinstance(scenario, dict) or "Mutant" not in scenario:
        continue
    mutant = scenario["Mutant"]
    file = mutant.get("file") or mutant.get("source_file")
    summary = outcome["summary"]
    key = {"CaughtMutant": "caught", "MissedMutant": "missed", "Timeout": "timeout",
           "Unviable": "unviable"}.get(summary)
    if key is None:
        continue
    scores[file][key] += 1
    if key == "missed":
        line = mutant["span"]["start"]["line"]
        survivors.append(f"{file}:{line}: replace {mutant['function']['function_name'] if isinstance(mutant.get('function'), dict) else mutant.get('function')} "
                         f"... with {mutant['replacement']}")
print(f"{'file':<40} {'caught':>7} {'missed':>7} {'timeout':>8} {'unviable':>9}  score")
for file in sorted(scores):
    s = scores[file]
    viable = s["caught"] + s["missed"] + s["timeout"]
    score = f"{s['caught'] + s['timeout']}/{viable}" if viable else "-"
    print(f"{file:<40} {s['caught']:>7} {s['missed']:>7} {s['timeout']:>8} {s['unviable']:>9}  {score}")
for survivor in survivors:
    print("survived:", survivor)
PYTHON
exit "$status"
