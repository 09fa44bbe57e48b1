# shellcheck shell=bash
# tools/oms/bench_probe.sh: what `bench` reads around each measured run: CPU time and memory of
# every process from /proc, transactions from pg_stat_database, RPCs from the services'
# /metrics; and the two load generators, wrk through the gateway and pgbench for the floor.
# Sourced by ./oms, whose globals it uses; it only defines functions.

proc_ticks() {  # pid [with_children] -> its user + system CPU time in clock ticks
  local -a stat
  local line
  read -r line 2>/dev/null <"/proc/$1/stat" || { echo 0; return; }
  # The command name may hold spaces: the fields that count come after its closing paren.
  read -ra stat <<<"${line##*) }"
  # Fields 14 and 15 (utime, stime) are 12 and 13 here; 16 and 17 the reaped children's.
  if [[ ${2:-} == with_children ]]; then
    echo $((stat[11] + stat[12] + stat[13] + stat[14]))
  else
    echo $((stat[11] + stat[12]))
  fi
}

proc_rss_kb() {  # pid [field] -> VmRSS (or another /proc/<pid>/status field) in kB
  awk -v f="${2:-VmRSS}:" '$1 == f { print $2; found = 1 } END { if (!found) print 0 }' \
    "/proc/$1/status" 2>/dev/null || echo 0
}

postmaster_pid() {
  head -n 1 "$TEST_PG_DIR/data/postmaster.pid"
}

pg_ticks() {  # -> CPU of the whole cluster: the postmaster with every child it ever reaped
  # (connections that came and went), plus the children alive now.
  local postmaster child total
  postmaster=$(postmaster_pid)
  total=$(proc_ticks "$postmaster" with_children)
  for child in $(pgrep -P "$postmaster"); do
    total=$((total + $(proc_ticks "$child")))
  done
  echo "$total"
}

pg_private_rss_kb() {  # -> memory the cluster's processes hold privately (shared buffers once)
  local postmaster pid total=0
  postmaster=$(postmaster_pid)
  for pid in "$postmaster" $(pgrep -P "$postmaster"); do
    total=$((total + $(proc_rss_kb "$pid" RssAnon)))
  done
  echo $((total + $(proc_rss_kb "$postmaster" RssShmem)))
}

scrape_metrics() {  # metrics_port -> the process's Prometheus exposition on stdout
  curl -s --max-time 5 "http://127.0.0.1:$1/metrics"
}

grpc_handled_total() {  # metrics_port -> calls the server handled, health checks aside
  scrape_metrics "$1" |
    awk '/^grpc_server_handled_total\{/ && !/grpc_service="grpc.health.v1.Health"/ { n += $NF }
         END { printf "%d\n", n }'
}

# order-service's gauge of its shipment feed's lag (ConsumerLag in shipment_feed.h): the age of
# the oldest event received and not yet taken in, 0 when caught up. Sampled during a measured run
# for the issue's bound: under a second at the rate the run places orders.
readonly FEED_LAG_METRIC='oms_order_event_consumer_lag_seconds{stream="shipping"}'

start_feed_lag_sampler() {  # file -> FEED_LAG_PID: one gauge value per line, every 0.25 s
  local order_metrics=${METRICS_PORT[order]} file=$1
  : >"$file"
  (
    while :; do
      scrape_metrics "$order_metrics" |
        awk -v m="$FEED_LAG_METRIC" '$1 == m { print $2 }' >>"$file" || true
      sleep 0.25
    done
  ) &
  FEED_LAG_PID=$!
}

stop_feed_lag_sampler() {
  [[ -n ${FEED_LAG_PID:-} ]] || return 0
  stop_pids "$FEED_LAG_PID"
  FEED_LAG_PID=
}

# PostgreSQL 15 counts a backend's commits in pg_stat_database only when it flushes its own
# statistics: at most once a second, and a busy backend that finds the shared entry locked tries
# again ten seconds later (PGSTAT_IDLE_INTERVAL); an idle one flushes once its timeout fires. The
# services' pooled connections outlive the runs, so a run's edges would hold commits of the
# warm-up and leave out its own last ones: a thousand commits would land at once, at either edge
# of a 20-s run. So the commits are read once the services have been idle for BENCH_SETTLE
# seconds: before the other counters, before a run (settle-first); after them, after a run
# (settle-commits), so that the CPU read stays the run's own. The services' timers commit about
# once a second meanwhile, a fraction of a per cent of a run's commits.
# bench_snapshot file [settle-first|settle-commits]: the counters as JSON in the file: CPU ticks,
# RSS kB, commits, RPCs.
bench_snapshot() {
  local settle=${2:-} svc cpu="" rss="" rpcs=""
  [[ $settle == settle-first ]] && sleep "$BENCH_SETTLE"
  for svc in "${SERVICES[@]}"; do
    cpu+="\"$svc\": $(proc_ticks "${BENCH_PID[$svc]}"), "
    rss+="\"$svc\": $(proc_rss_kb "${BENCH_PID[$svc]}"), "
    if [[ $svc != gateway ]]; then
      rpcs+="\"$svc\": $(grpc_handled_total "${METRICS_PORT[$svc]}"), "
    fi
  done
  local xacts
  [[ $settle == settle-commits ]] && sleep "$BENCH_SETTLE"
  xacts=$(bench_psql postgres -At -c "SELECT json_object_agg(datname, xact_commit)
    FROM pg_stat_database WHERE datname LIKE 'oms\_%'")
  printf '{"cpu": {%s"postgres": %s}, "rss_kb": {%s"postgres": %s}, "rpcs": {%s}, "xacts": %s}\n' \
    "$cpu" "$(pg_ticks)" "$rss" "$(pg_private_rss_kb)" "${rpcs%, }" "$xacts" >"$1"
}

children_cpu_ticks() {  # file -> CPU ticks of this shell's finished children, as of `times`
  # The caller runs `times >file` itself: in a command substitution it would see the subshell's.
  # Its second line holds the children's user and system time, e.g. "0m1.250s 0m0.310s".
  awk -v tck="$(getconf CLK_TCK)" 'NR == 2 {
      split($1, u, /[ms]/); split($2, s, /[ms]/)
      printf "%d\n", ((u[1] + s[1]) * 60 + u[2] + s[2]) * tck }' "$1"
}

run_wrk() {  # shape clients seconds result-file -> wrk's JSON summary in the file
  local shape=$1 clients=$2 seconds=$3 result=$4
  local threads=$((clients < 2 ? clients : 2))
  OMS_BENCH_API_KEY=$BENCH_API_KEY OMS_BENCH_CUSTOMER=$BENCH_CUSTOMER OMS_BENCH_SHAPE=$shape \
    OMS_BENCH_SKUS=$BENCH_SKUS OMS_BENCH_RUN="$shape-$clients-$(random_secret | head -c 12)" \
    OMS_BENCH_RESULT=$result \
    wrk -t "$threads" -c "$clients" -d "${seconds}s" --timeout 30s -s bench/place_orders.lua \
    "http://127.0.0.1:${PORT[gateway]}" >"$result.log" 2>&1 ||
    die "bench: wrk failed: $(tail -n 5 "$result.log")"
  [[ -s $result ]] || die "bench: wrk wrote no summary: $(tail -n 5 "$result.log")"
}

run_pgbench() {  # hot(0|1) clients seconds log-prefix -> pgbench's report in <prefix>.out
  local hot=$1 clients=$2 seconds=$3 prefix=$4
  local threads=$((clients < 2 ? clients : 2))
  rm -f "$prefix".log*
  "$PG_BINDIR/pgbench" -h "$TEST_PG_DIR/sock" -p "$PG_PORT" -U postgres -n -M prepared \
    -f bench/floor_order.sql -D skus="$BENCH_SKUS" -D hot="$hot" -c "$clients" -j "$threads" \
    -T "$seconds" --log --log-prefix="$prefix.log" oms_bench_floor >"$prefix.out" 2>&1 ||
    die "bench: pgbench failed: $(tail -n 5 "$prefix.out")"
}

pgbench_summary() {  # log-prefix -> JSON: orders, p50/p90/p99/max latency in µs
  # Per-transaction log lines: client, transaction, latency in µs, script, epoch, µs.
  cat "$1".log* | awk '{ print $3 }' | sort -n | awk '
    { v[NR] = $1; sum += $1 }
    function pct(p,  i) { i = int(p * NR); if (i < 1) i = 1; if (i > NR) i = NR; return v[i] }
    END { printf "{\"orders\": %d, \"latency_us\": {\"p50\": %d, \"p90\": %d, \"p99\": %d, \"max\": %d, \"mean\": %.1f}}\n",
            NR, pct(0.5), pct(0.9), pct(0.99), v[NR], NR ? sum / NR : 0 }'
}

statements_reset() {  # -> pg_stat_statements counts from now (with --statements)
  ((BENCH_STATEMENTS)) || return 0
  bench_psql postgres -At -c 'SELECT pg_stat_statements_reset()' >/dev/null
}

statements_report() {  # wrk.json out-file -> the statements that cost most, per confirmed order
  ((BENCH_STATEMENTS)) || return 0
  local orders
  orders=$(jq '[.outcomes.CONFIRMED // 0, 1] | max' "$1")
  bench_psql postgres -c "SELECT d.datname AS db, sum(s.calls) / $orders AS calls,
      round((sum(s.total_exec_time) / $orders)::numeric, 3) AS ms
    FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname LIKE 'oms\\_%' GROUP BY ROLLUP (d.datname) ORDER BY 1" >"$2"
  bench_psql postgres -c "SELECT d.datname AS db, round(s.calls::numeric / $orders, 2) AS calls,
      round((s.total_exec_time / $orders)::numeric, 3) AS ms, round(s.max_exec_time::numeric, 1)
      AS max_ms, round(s.rows::numeric / $orders, 1) AS rows,
      s.shared_blks_hit / GREATEST(s.calls, 1) AS blks,
      left(regexp_replace(s.query, '\\s+', ' ', 'g'), 160) AS statement
    FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname LIKE 'oms\\_%' ORDER BY s.total_exec_time DESC LIMIT 60" >>"$2"
  # Round trips: every statement is one, BEGIN and COMMIT included.
  bench_psql postgres -c "SELECT d.datname AS db, round(s.calls::numeric / $orders, 2) AS calls,
      left(regexp_replace(s.query, '\\s+', ' ', 'g'), 100) AS statement
    FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname LIKE 'oms\\_%' AND s.calls >= $orders / 2 ORDER BY d.datname, s.calls DESC" >>"$2"
  say "bench: statements per confirmed order ($orders orders) in $2"
  head -n 40 "$2" >&2
}
