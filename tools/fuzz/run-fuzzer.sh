#!/usr/bin/env bash
# tools/fuzz/run-fuzzer.sh BINARY SEED_CORPUS SECONDS: runs one libFuzzer target for SECONDS from
# its committed seed corpus. New inputs go to a scratch directory, never into the checkout. Exit
# status: the fuzzer's (a crash, a leak, a sanitizer report or a timeout fails); a binary that is
# not there fails too, since the fuzz tree must have built it.
set -euo pipefail
binary=$1 seeds=$2 seconds=$3
if [[ ! -x $binary ]]; then
  echo "run-fuzzer: $binary was not built (the fuzz tree: ./oms test builds it)" >&2
  exit 1
fi
if [[ ! -d $seeds ]] || [[ -z $(ls -A "$seeds") ]]; then
  echo "run-fuzzer: no seed corpus in $seeds" >&2
  exit 1
fi
binary=$(realpath "$binary") seeds=$(realpath "$seeds")
scratch=$(mktemp -d -t oms-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# A crash leaves its input in the scratch directory's artifacts; print it before it goes.
cd "$scratch"
status=0
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$scratch/" "$scratch" "$seeds" || status=$?
if ((status != 0)); then
  for artifact in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$scratch"/oom-*; do
    [[ -f $artifact ]] || continue
    echo "run-fuzzer: input that failed ($artifact), base64:" >&2
    base64 -w0 "$artifact" >&2
    echo >&2
  done
fi
exit "$status"
