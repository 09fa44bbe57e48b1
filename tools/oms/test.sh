# shellcheck shell=bash
# tools/oms/test.sh: `test` and `chaos`, each on a throw-away PostgreSQL (bench.sh uses it too).
# Sourced by ./oms, whose globals it uses; it only defines functions.

on_test_exit() {
  local rc=$?
  set +e
  trap '' INT TERM
  if [[ -n $TEST_PG_DIR ]]; then
    pg_cluster_stop "$TEST_PG_DIR"
    rm -rf "$TEST_PG_DIR"
  fi
  exit "$rc"
}

# A private, throw-away PostgreSQL for tests and benchmarks, stopped and removed on exit; exports
# OMS_TEST_PG_URL (a superuser URL) and OMS_BUILD_DIR, and for the chaos suite, which restarts
# it, OMS_TEST_PG_DIR and OMS_PG_BINDIR. [fsync_off]: for data nobody keeps.
start_scratch_pg() {
  pg_resolve_bindir
  trap on_test_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  TEST_PG_DIR=$(mktemp -d -t oms-test-pg.XXXXXX)
  pg_cluster_start "$TEST_PG_DIR" "${1:-}"
  local password
  password=$(<"$TEST_PG_DIR/pwfile")
  export OMS_TEST_PG_URL="postgresql://postgres:$password@127.0.0.1:$PG_PORT/postgres"
  export OMS_BUILD_DIR="$REPO/build"
  export OMS_TEST_PG_DIR="$TEST_PG_DIR" OMS_PG_BINDIR="$PG_BINDIR"
}

cmd_test() {  # [--sanitize] [ctest arguments]
  if [[ ${1:-} == --sanitize ]]; then
    shift
    test_sanitized "$@"
    return
  fi
  cmd_build
  build_fuzzers
  ensure_ops_check_deps
  start_scratch_pg fsync_off
  run_ctest tests build "$@"
}

# Service processes a test started and never reaped: it was killed before its destructors ran
# (a ctest timeout). tests/support/process.cc records each child as <dir>/<pid> holding its
# binary's path; a pid still running that binary is stopped here, by PID.
stop_left_children() {  # dir
  local record pid binary
  for record in "$1"/*; do
    [[ -f $record ]] || continue
    pid=${record##*/}
    binary=$(<"$record")
    if [[ $pid =~ ^[0-9]+$ && $(readlink "/proc/$pid/exe" 2>/dev/null) == "$binary" ]]; then
      warn "a test left $binary running (pid $pid): stopping it"
      stop_pids "$pid"
    fi
  done
  rm -rf "$1"
}

# ctest in `dir` with `args`; `what` names the run in its verdict. --no-tests=error: a run that
# found no test is a failure, not a pass. No oms test skips itself, yet ctest counts a test whose
# output says SKIPPED (gtest says so of every test of a suite whose SetUpTestSuite failed) as
# skipped and passes the run: a skipped test fails it here.
run_ctest() {  # what dir [ctest arguments]
  local what=$1 dir=$2 rc=0 log children
  shift 2
  log=$(mktemp)
  children=$(mktemp -d -t oms-test-children.XXXXXX)
  OMS_TEST_CHILDREN_DIR=$children ctest --test-dir "$dir" --output-on-failure -j2 \
    --no-tests=error "$@" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
  stop_left_children "$children"
  if grep -qE '\(Skipped\)$' "$log"; then
    say "$what were skipped (a suite could not set up): a skip fails the run"
    ((rc != 0)) || rc=1
  fi
  rm -f "$log"
  if ((rc != 0)); then
    say "$what failed (ctest exit status $rc)"
  fi
  return "$rc"
}

# `test --sanitize`: every library and binary built with AddressSanitizer and
# UndefinedBehaviorSanitizer in build/sanitize, then its unit, store and fuzz suites (the fuzzers
# are instrumented in build/fuzz already). The suites that start the service binaries as
# processes (end-to-end, chaos, manifests) are `./oms test`'s.
test_sanitized() {
  ensure_packages
  export CCACHE_DIR="${CCACHE_DIR:-${HOME:-$REPO}/.cache/ccache}"
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$REPO}"
  if [[ ! -f build/sanitize/build.ninja ]]; then
    say "configuring build/sanitize (AddressSanitizer, UndefinedBehaviorSanitizer)"
    cmake -S . -B build/sanitize -G Ninja -DCMAKE_BUILD_TYPE=Release -DOMS_SANITIZE=ON \
      -DOMS_FUZZ_TREE="$REPO/build/fuzz"
  fi
  say "building build/sanitize"
  cmake --build build/sanitize
  build_fuzzers
  start_scratch_pg fsync_off
  # A report fails its test at once; leaks are reports too, but for the libraries' own
  # (tools/sanitize/lsan.supp says which, and why).
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1"
  export LSAN_OPTIONS="suppressions=$REPO/tools/sanitize/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  run_ctest "sanitized tests" build/sanitize -LE 'e2e|chaos|k8s|ops|lint' "$@"
}

cmd_chaos() {  # [--seed N] [--seeds K] [--minutes M]: the chaos suite, seed after seed
  local seed=1 seeds=1 minutes=0.5 failed=0 n
  while (($#)); do
    case $1 in
      --seed) seed=${2:?--seed needs a number}; shift 2 ;;
      --seeds) seeds=${2:?--seeds needs a number}; shift 2 ;;
      --minutes) minutes=${2:?--minutes needs a number}; shift 2 ;;
      *) die "chaos: unknown argument $1 (--seed N, --seeds K, --minutes M)" ;;
    esac
  done
  [[ $seed =~ ^[0-9]+$ && $seeds =~ ^[1-9][0-9]*$ ]] || die "chaos: --seed and --seeds take whole numbers"
  [[ $minutes =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "chaos: --minutes takes a number, e.g. 2 or 0.5"
  cmd_build --target chaos_test
  start_scratch_pg fsync_off
  local seconds
  seconds=$(awk -v m="$minutes" 'BEGIN { s = int(m * 60); print (s < 5 ? 5 : s) }')
  for ((n = seed; n < seed + seeds; n++)); do
    say "chaos: seed $n, $seconds s of faults"
    if ! OMS_CHAOS_SEED=$n OMS_CHAOS_SECONDS=$seconds build/tests/chaos/chaos_test; then
      warn "chaos: seed $n found violations (replay: ./oms chaos --seed $n --minutes $minutes)"
      failed=$((failed + 1))
    fi
  done
  say "chaos: $seeds seeds run, $failed with violations"
  ((failed == 0))
}

cmd_fuzz() {  # [--seconds S] [name...]: each fuzzer (or those named) for S seconds
  local seconds=600 failed=0 name binary
  local -a names=()
  while (($#)); do
    case $1 in
      --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
      -*) die "fuzz: unknown option $1 (--seconds S)" ;;
      *) names+=("$1"); shift ;;
    esac
  done
  [[ $seconds =~ ^[1-9][0-9]*$ ]] || die "fuzz: --seconds takes a whole number"
  build_fuzzers
  if ((${#names[@]} == 0)); then
    mapfile -t names < <(find build/fuzz -name '*_fuzz' -type f -perm -u+x -printf '%f\n' | sort)
  fi
  for name in "${names[@]}"; do
    binary=$(find build/fuzz -name "$name" -type f -perm -u+x | head -n 1)
    [[ -n $binary ]] || die "fuzz: no fuzzer named $name"
    local corpus
    corpus=$(find . -path ./build -prune -o -type d -path "*/fuzz/corpus/$name" -print | head -n 1)
    say "fuzz: $name for $seconds s"
    local log status=0
    log=$(mktemp -t oms-fuzz-log.XXXXXX)
    tools/fuzz/run-fuzzer.sh "$binary" "$corpus" "$seconds" >"$log" 2>&1 || status=$?
    grep -E '^(stat::|#[0-9]+[[:space:]]+DONE)' "$log" || true
    if ((status != 0)); then
      tail -n 60 "$log" >&2
      warn "fuzz: $name failed (exit status $status)"
      failed=$((failed + 1))
    fi
    rm -f "$log"
  done
  say "fuzz: ${#names[@]} fuzzers run, $failed failed"
  ((failed == 0))
}
