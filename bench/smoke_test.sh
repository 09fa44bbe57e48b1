#!/usr/bin/env bash
# `./oms bench` for a few seconds, so that it cannot rot: both shapes at two clients, the floor
# beside them, the invariant check after. Asserts that it ran and measured, never how fast.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d -t oms-bench-smoke.XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "bench smoke: $*" >&2; exit 1; }

# A pause of a second before reading commits, not the eleven that make them exact: the counts
# are not asserted here, and the suite's time is.
OMS_BENCH_BUILT=1 "$repo/oms" bench --clients 2 --shapes spread,hot --seconds 2 --warmup 1 \
  --settle 1 --out "$out/results.json" || fail "./oms bench failed"
results=$out/results.json
[[ $(jq -r .settings.invariants "$results") == hold ]] || fail "the invariant check did not pass"
[[ $(jq -r .settings.transport "$results") == mtls ]] || fail "the services did not run with mTLS"
for shape in spread hot; do
  for system in oms floor; do
    orders=$(jq --arg s "$shape" --arg sys "$system" \
      '[.records[] | select(.shape == $s and .system == $sys) | .confirmed] | add // 0' "$results")
    ((orders > 0)) || fail "$system $shape: no order measured"
  done
  errors=$(jq --arg s "$shape" '[.records[] | select(.shape == $s and .system == "oms")
    | (.errors // {}) | to_entries[] | .value] | add // 0' "$results")
  ((errors == 0)) || fail "oms $shape: $errors errors"
  cpu=$(jq --arg s "$shape" '[.records[] | select(.shape == $s and .system == "oms")
    | .cpu_ms_per_order.postgres] | add // 0' "$results")
  [[ $cpu != 0 ]] || fail "oms $shape: no CPU measured for PostgreSQL"
  lag_samples=$(jq --arg s "$shape" '[.records[] | select(.shape == $s and .system == "oms")
    | select(.feed_lag_s.max | type == "number") | .feed_lag_s.samples] | add // 0' "$results")
  ((lag_samples > 0)) || fail "oms $shape: the shipment feed's lag was not sampled"
done
calls=$(jq '[.records[] | select(.system == "rpc") | .calls] | add // 0' "$results")
((calls > 0)) || fail "the gRPC floor measured no call"
echo "bench smoke: both shapes measured against the floor and the gRPC floor, feed lag sampled, invariants hold"
