#!/usr/bin/env bash
# Measures cloudhsm-shell's whole-process speed and memory against the project's targets:
#   * a 10,000-line batch of `user list`: at least 20,000 commands/s;
#   * one `cloudhsm-shell user list` as a whole process: median at most 5 ms;
#   * peak RSS of the interactive shell (under a pseudo-terminal): at most 20 MB
#     (the peak RSS of the 10,000-line batch is reported too).
# The batch, the single command and process-floor peers (sqlite3 on the same state, /bin/true)
# are timed side by side in one hyperfine run. A missed target is reported, not fatal: the script
# exits non-zero only when it could not measure. BENCH_RUNS sets hyperfine's runs (default 30).
# hyperfine sends the timed commands' stdout to /dev/null (so output is compact JSON, as in any
# non-terminal use). Runs from the repository root (or anywhere: it cds there); installs
# hyperfine, GNU time and python3 from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${BENCH_RUNS:-30}"
batch_lines=10000
target_batch_per_s=20000
target_single_ms=5
target_rss_mb=20

# --- tools -----------------------------------------------------------------------------------
missing=()
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
[[ -x /usr/bin/time ]] || missing+=(time)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if ((${#missing[@]})); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  echo "bench: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y "${missing[@]}"
fi

# --- build -----------------------------------------------------------------------------------
cargo build --release --locked
bin="$(scripts/target-dir.sh)/release/cloudhsm-shell"
[[ -x $bin ]] || { echo "bench: no binary at $bin" >&2; exit 1; }

# --- state and inputs ------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/cloudhsm-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
state="$work/state"
printf 'cluster activate --password BenchPassw0rd\n' >"$work/activate.cli"
"$bin" --state-dir "$state" --file "$work/activate.cli" >"$work/activate.out"
grep -q '"error_code":0' "$work/activate.out" || {
  echo "bench: cluster activate failed: $(cat "$work/activate.out")" >&2
  exit 1
}
awk -v n="$batch_lines" 'BEGIN { for (i = 0; i < n; i++) print "user list" }' >"$work/batch.cli"
# A check that the batch really runs every line before timing it.
produced=$("$bin" --state-dir "$state" --file "$work/batch.cli" | grep -c '"error_code":0' || true)
[[ $produced -eq $batch_lines ]] || {
  echo "bench: the batch printed $produced successful envelopes, not $batch_lines" >&2
  exit 1
}

# --- time, side by side ----------------------------------------------------------------------
peers=()
if command -v sqlite3 >/dev/null 2>&1; then
  peers+=(-n "sqlite3 count users (peer)" "sqlite3 $state/state.sqlite3 'select count(*) from users'")
fi
peers+=(-n "/bin/true (process floor)" "/bin/true")
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/bench.json" \
  -n "batch: $batch_lines x user list" "$bin --state-dir $state --file $work/batch.cli" \
  -n "single: user list" "$bin --state-dir $state user list" \
  "${peers[@]}"

# --- peak RSS --------------------------------------------------------------------------------
peak_kb() { # peak_kb OUT_FILE COMMAND...: runs COMMAND under GNU time, stdout discarded
  local out=$1
  shift
  /usr/bin/time -o "$out" -f '%M' "$@" >/dev/null
}
peak_kb "$work/rss-batch" "$bin" --state-dir "$state" --file "$work/batch.cli"
peak_kb "$work/rss-single" "$bin" --state-dir "$state" user list

# The interactive shell starts its prompt only on a terminal: drive it through a pty.
python3 - /usr/bin/time -o "$work/rss-interactive" -f '%M' \
  "$bin" --state-dir "$state" --history "$work/history" interactive <<'PY'
import fcntl, os, pty, select, struct, sys, termios, time

argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    os.environ["TERM"] = "xterm-256color"
    os.execv(argv[0], argv)

seen = b""

def expect(pattern, timeout=30.0):
    global seen
    deadline = time.monotonic() + timeout
    while pattern not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            sys.exit(f"bench: timed out waiting for {pattern!r}; the shell printed {seen[-400:]!r}")
        if select.select([fd], [], [], left)[0]:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                sys.exit(f"bench: the shell ended before {pattern!r}; it printed {seen[-400:]!r}")
            seen += data
    seen = seen[seen.index(pattern) + len(pattern):]

prompt = b"aws-cloudhsm > "
expect(prompt)
# Each reply is awaited by a word only it prints: the editor redraws the prompt while a line
# is typed, so the prompt alone does not say that a command has finished.
for line, reply in [(b"user list", b"cluster-coverage"), (b"help user list", b"Access:"),
                    (b"user list", b"cluster-coverage")]:
    os.write(fd, line + b"\r")
    expect(reply)
    expect(prompt)
os.write(fd, b"quit\r")
deadline = time.monotonic() + 30
while True:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    if time.monotonic() > deadline:
        os.kill(pid, 9)
        sys.exit("bench: the shell did not end after quit")
    if select.select([fd], [], [], 0.1)[0]:
        try:
            os.read(fd, 65536)
        except OSError:
            pass
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit(f"bench: the interactive shell exited with {os.waitstatus_to_exitcode(status)}")
PY

# --- report ----------------------------------------------------------------------------------
python3 - "$work" "$batch_lines" "$target_batch_per_s" "$target_single_ms" "$target_rss_mb" <<'PY'
import json, statistics, sys

work, lines = sys.argv[1], int(sys.argv[2])
target_rate, target_ms, target_mb = float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
results = json.load(open(f"{work}/bench.json"))["results"]

def verdict(ok):
    return "PASS" if ok else "FAIL"

print()
print(f"{'command':<34} {'mean ms':>9} {'± σ':>7} {'median ms':>10} {'min ms':>8} {'runs':>5}")
for r in results:
    times = r["times"]
    print(f"{r['command']:<34} {r['mean'] * 1e3:>9.2f} {r['stddev'] * 1e3:>7.2f} "
          f"{statistics.median(times) * 1e3:>10.2f} {min(times) * 1e3:>8.2f} {len(times):>5}")
    if any(code != 0 for code in r.get("exit_codes", [])):
        sys.exit(f"bench: {r['command']} exited non-zero")

batch = next(r for r in results if r["command"].startswith("batch:"))
single = next(r for r in results if r["command"].startswith("single:"))
rate = lines / batch["mean"]
single_ms = statistics.median(single["times"]) * 1e3

def rss_mb(name):
    return int(open(f"{work}/rss-{name}").read().split()[-1]) / 1024

print()
print(f"{'target':<46} {'measured':>16} {'goal':>14}  verdict")
rows = [
    (f"batch of {lines} user list", f"{rate:,.0f} cmd/s", f">= {target_rate:,.0f}", rate >= target_rate),
    ("single `user list` process, median", f"{single_ms:.2f} ms", f"<= {target_ms:g} ms", single_ms <= target_ms),
    ("interactive shell peak RSS", f"{rss_mb('interactive'):.1f} MB", f"<= {target_mb:g} MB",
     rss_mb("interactive") <= target_mb),
]
for name, measured, goal, ok in rows:
    print(f"{name:<46} {measured:>16} {goal:>14}  {verdict(ok)}")
print(f"{'batch peak RSS (reported)':<46} {rss_mb('batch'):>13.1f} MB")
print(f"{'single command peak RSS (reported)':<46} {rss_mb('single'):>13.1f} MB")
PY
