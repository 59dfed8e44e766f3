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
  src/sim/hsm/keys.rs                 # key ownership and sharing, sealing associated data
  src/sim/keys.rs                     # who may see and use a key row
  src/sim/users.rs                    # usernames, failed-login counts, lockout
  src/sim/logins.rs                   # recorded logins and dead processes
  src/sim/password.rs                 # password rules and hashing
  src/secret.rs                       # secrets never shown
  src/sim/crypto/vault.rs             # sealing key material at rest
  src/backend/kms/validate.rs         # the KMS request constraints
  src/sim/kms/connection.rs           # the connect steps and the sealed store password
)
if (($#)); then
  files=("$@")
fi

# Mutants that cannot change behaviour, as regular expressions over cargo-mutants' names
# ("file:line:col: replace ... with ... in function"), each with its reason; line numbers are
# left out of the expressions so that edits elsewhere in a file do not break them.
exclusions=(
  # Only a length outside 7..=32 reaches this test, and 7 is inside: < 7 and <= 7 agree.
  'kms/validate\.rs:.*replace < with <= in validate_password'
  # The count is never negative, and resetting a count of 0 to 0 changes nothing.
  'hsm/sim\.rs:.*replace > with >= in <impl HsmBackend for SimHsm>::login'
  # Each bit is set at most once, so or-ing and xor-ing the bits give the same flags.
  'sim/keys\.rs:.*replace \| with \^ in flags'
  # Only a hard-link error other than AlreadyExists tells these apart, and no test can cause one
  # in a writable directory; the read of master.key that follows then fails with its own error.
  'vault\.rs:.*replace match guard error\.kind\(\) == ErrorKind::AlreadyExists with true'
  # O_NOFOLLOW and O_NONBLOCK are distinct bits: or-ing and xor-ing them give the same flags.
  'vault\.rs:.*replace \| with \^ in read_master_key'
  # Accessors that hand the command layer the simulator's cluster control and faults: no unit
  # test reaches them, and the integration tests cloudhsmv2:: and clusters:: fail on both.
  'hsm/sim\.rs:.*replace <impl HsmBackend for SimHsm>::(cluster_control|sim_faults) -> .* with None'
)

if ! command -v cargo-mutants >/dev/null 2>&1; then
  echo "mutants: installing cargo-mutants" >&2
  cargo install cargo-mutants --locked
fi

out="${MUTANTS_OUT:-target/mutants}"
mkdir -p "$out"
# --gitignore: the copy leaves out what git ignores, fuzz/'s corpora and build above all, which
# a running scripts/fuzz.sh changes under the copy.
args=(--no-shuffle --jobs 1 --gitignore=true --timeout "${MUTANTS_TIMEOUT:-300}" --output "$out")
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
"""Caught of viable mutants per file (a timeout counts as caught), and every survivor."""
import json
import sys
from collections import Counter, defaultdict

KINDS = {"CaughtMutant": "caught", "MissedMutant": "missed", "Timeout": "timeout",
         "Unviable": "unviable"}
with open(sys.argv[1]) as handle:
    outcomes = json.load(handle)["outcomes"]
counts = defaultdict(Counter)
survivors = []
for outcome in outcomes:
    mutant = outcome["scenario"].get("Mutant") if isinstance(outcome["scenario"], dict) else None
    kind = KINDS.get(outcome["summary"])
    if mutant is None or kind is None:
        continue
    counts[mutant["file"]][kind] += 1
    if kind == "missed":
        survivors.append(mutant["name"])
print(f"{'file':<36} {'caught':>6} {'missed':>6} {'timeout':>7} {'unviable':>8}  score")
for file in sorted(counts):
    c = counts[file]
    viable = c["caught"] + c["missed"] + c["timeout"]
    score = f"{c['caught'] + c['timeout']}/{viable}" if viable else "-"
    print(f"{file:<36} {c['caught']:>6} {c['missed']:>6} {c['timeout']:>7} {c['unviable']:>8}  {score}")
for name in survivors:
    print("survived:", name)
PYTHON
exit "$status"
