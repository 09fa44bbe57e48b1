# shellcheck shell=bash
# shellcheck disable=SC2016  # the $names in single quotes are jq's, not the shell's
# tools/oms/bench_report.sh: turns what one measured run read into a JSON record (one line of
# BENCH_RECORDS), and prints every record as a table with oms ÷ floor.
# Sourced by ./oms, whose globals it uses; it only defines functions.

oms_record() {  # shape clients before.json after.json wrk.json wrk-ticks feed-lag -> appends
  jq -nc --arg shape "$1" --argjson clients "$2" --slurpfile before "$3" --slurpfile after "$4" \
    --slurpfile wrk "$5" --argjson wrk_ticks "$6" --argjson tck "$(getconf CLK_TCK)" \
    --rawfile lag "$7" '
    $before[0] as $b | $after[0] as $a | $wrk[0] as $w
    | ($lag | split("\n") | map(select(. != "") | tonumber)) as $lags
    | ($w.duration_us / 1e6) as $seconds
    | ($w.outcomes.CONFIRMED // 0) as $confirmed
    | ([$confirmed, 1] | max) as $per
    | def per_order(f; $scale): with_entries(.value = ((f - .value) * $scale / $per));
    {system: "oms", shape: $shape, clients: $clients, seconds: $seconds,
     requests: $w.requests, confirmed: $confirmed, orders_per_s: ($confirmed / $seconds),
     outcomes: $w.outcomes, errors: $w.errors,
     latency_ms: ($w.latency_us | map_values(. / 1000)),
     cpu_ms_per_order: ($b.cpu | with_entries(.value = (($a.cpu[.key] - .value) * 1000 / $tck / $per))
                        | .total = (to_entries | map(.value) | add)
                        | .wrk = ($wrk_ticks * 1000 / $tck / $per)),
     rss_mb: ($a.rss_kb | map_values(. / 1024)),
     rss_growth_pct: ($a.rss_kb | with_entries(
       .value = (if ($b.rss_kb[.key] // 0) > 0 then (.value / $b.rss_kb[.key] - 1) * 100
                 else null end))),
     feed_lag_s: {samples: ($lags | length), max: ($lags | max),
                  mean: (if $lags == [] then null else ($lags | add / length) end)},
     xacts_per_order: ($b.xacts | with_entries(.value = (($a.xacts[.key] - .value) / $per))),
     rpcs_per_order: ($b.rpcs | with_entries(.value = (($a.rpcs[.key] - .value) / $per))
                      | .total = (to_entries | map(.value) | add))}' >>"$BENCH_RECORDS"
}

floor_record() {  # shape clients before.json after.json pgbench-prefix pgbench-ticks -> appends
  local summary tps
  summary=$(pgbench_summary "$5")
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$5.out")
  jq -nc --arg shape "$1" --argjson clients "$2" --slurpfile before "$3" --slurpfile after "$4" \
    --argjson s "$summary" --argjson tps "${tps:-0}" --argjson pgbench_ticks "$6" \
    --argjson tck "$(getconf CLK_TCK)" '
    $before[0] as $b | $after[0] as $a | ([$s.orders, 1] | max) as $per
    | {system: "floor", shape: $shape, clients: $clients, confirmed: $s.orders,
       orders_per_s: $tps, latency_ms: ($s.latency_us | map_values(. / 1000)),
       cpu_ms_per_order: {postgres: (($a.cpu.postgres - $b.cpu.postgres) * 1000 / $tck / $per),
                          pgbench: ($pgbench_ticks * 1000 / $tck / $per)},
       xacts_per_order: {oms_bench_floor: (($a.xacts.oms_bench_floor - $b.xacts.oms_bench_floor)
                                           / $per)}}' >>"$BENCH_RECORDS"
}

# jq definitions the tables share: numbers to one decimal, a run's floor twins, counts as text.
readonly BENCH_JQ_DEFS='
  def f($n): if $n == null then "-" elif $n >= 100 then ($n | round | tostring)
             else ($n * 10 | round / 10 | tostring) end;
  def f2($n): if $n == null then "-" else ($n * 100 | round / 100 | tostring) end;
  def counts: to_entries | map("\(.key) \(.value)") | join(", ");
  . as $all
  | def floor_of($r): $all | map(select(.system == "floor" and .shape == $r.shape
                                        and .clients == $r.clients))[0];
  def rpc_floor_of($r): $all | map(select(.system == "rpc" and .clients == $r.clients))[0];
  ($all | map(select(.system == "oms"))) as $oms
  | '

bench_table() {  # title jq-program -> one aligned table (tab-separated rows from the records)
  printf '\n%s\n' "$1"
  jq -rs "$BENCH_JQ_DEFS $2" "$BENCH_RECORDS" | column -t -s $'\t'
}

print_bench_table() {  # -> every record, three tables, on stdout
  bench_table "Placed orders/s through the gateway (wrk) against the PostgreSQL floor (pgbench), \
latency in ms; ratio = oms / floor" '
    (["shape", "clients", "oms/s", "floor/s", "ratio", "p50", "p90", "p99", "max", "floor p50",
      "p50 x floor", "errors and other outcomes"] | @tsv),
    ($oms[] as $r | floor_of($r) as $fl
     | [$r.shape, $r.clients, f($r.orders_per_s), f($fl.orders_per_s),
        (if $fl.orders_per_s > 0 then ($r.orders_per_s / $fl.orders_per_s * 100 | round / 100 | tostring) else "-" end),
        f($r.latency_ms.p50), f($r.latency_ms.p90), f($r.latency_ms.p99), f($r.latency_ms.max),
        f($fl.latency_ms.p50),
        (if $fl.latency_ms.p50 > 0 then f($r.latency_ms.p50 / $fl.latency_ms.p50) else "-" end),
        ([($r.errors | counts), ($r.outcomes | del(.CONFIRMED) | counts)]
         | map(select(. != "")) | join("; ") | if . == "" then "none" else . end)] | @tsv)'
  bench_table "CPU ms per confirmed order (wrk: the load generator; floor: PostgreSQL and pgbench)" '
    (["shape", "clients", "gateway", "order", "inventory", "billing", "shipping", "postgres",
      "total", "wrk", "floor pg", "pgbench"] | @tsv),
    ($oms[] as $r | floor_of($r) as $fl | $r.cpu_ms_per_order as $c
     | [$r.shape, $r.clients, f($c.gateway), f($c.order), f($c.inventory), f($c.billing),
        f($c.shipping), f($c.postgres), f($c.total), f($c.wrk), f($fl.cpu_ms_per_order.postgres),
        f($fl.cpu_ms_per_order.pgbench)] | @tsv)'
  bench_table "Per confirmed order: commits by database (floor: its own), gRPC calls handled by \
service; RSS after the run in MB (postgres: private memory and shared buffers)" '
    (["shape", "clients", "tx order", "inventory", "billing", "shipping", "floor", "rpc all",
      "order", "inventory", "billing", "shipping", "rss gw", "order", "inventory", "billing",
      "shipping", "postgres"] | @tsv),
    ($oms[] as $r | floor_of($r) as $fl | $r.xacts_per_order as $x | $r.rpcs_per_order as $p
     | $r.rss_mb as $m
     | [$r.shape, $r.clients, f($x.oms_order), f($x.oms_inventory), f($x.oms_billing),
        f($x.oms_shipping), f($fl.xacts_per_order.oms_bench_floor), f($p.total), f($p.order),
        f($p.inventory), f($p.billing), f($p.shipping), f($m.gateway), f($m.order),
        f($m.inventory), f($m.billing), f($m.shipping), f($m.postgres)] | @tsv)'
  bench_table "RSS growth over the measured run, % (after the warm-up to the end; a leak shows \
in a long run: --seconds 600)" '
    (["shape", "clients", "seconds", "gateway", "order", "inventory", "billing", "shipping",
      "postgres"] | @tsv),
    ($oms[] as $r | $r.rss_growth_pct as $g
     | [$r.shape, $r.clients, f($r.seconds), f($g.gateway), f($g.order), f($g.inventory),
        f($g.billing), f($g.shipping), f($g.postgres)] | @tsv)'
  bench_table "Shipment feed lag during the measured run, s (order-service's \
oms_order_event_consumer_lag_seconds, sampled every 0.25 s; bound: under a second)" '
    (["shape", "clients", "orders/s", "samples", "mean", "max"] | @tsv),
    ($oms[] as $r | $r.feed_lag_s as $l
     | [$r.shape, $r.clients, f($r.orders_per_s), $l.samples, f2($l.mean), f2($l.max)] | @tsv)'
  bench_table "gRPC floor: one empty unary call over the same transport, no service code \
(bench/grpc_floor_bench.cc); its CPU times oms's RPCs per order, against the services' CPU per order" '
    (["shape", "clients", "calls/s", "p50", "client us", "server us", "rpc all", "ms per order",
      "services ms", "share"] | @tsv),
    ($oms[] as $r | rpc_floor_of($r) as $f | select($f != null)
     | ($f.cpu_us_per_call.client + $f.cpu_us_per_call.server) as $call
     | ($r.rpcs_per_order.total * $call / 1000) as $rpc_ms
     | ($r.cpu_ms_per_order | .gateway + .order + .inventory + .billing + .shipping) as $svc
     | [$r.shape, $r.clients, f($f.calls_per_s), f($f.latency_ms.p50), f($f.cpu_us_per_call.client),
        f($f.cpu_us_per_call.server), f($r.rpcs_per_order.total), f($rpc_ms), f($svc),
        (if $svc > 0 then "\($rpc_ms / $svc * 100 | round) %" else "-" end)] | @tsv)'
}

write_bench_json() {  # out-file settings-json -> {settings, records}
  jq -s --argjson settings "$2" '{settings: $settings, records: .}' "$BENCH_RECORDS" >"$1"
}
