# shellcheck shell=bash
# tools/oms/bench_history.sh: `bench --history N`: N past orders written through SQL before the
# run, so that it shows whether cost per order grows with history. One real order is placed and
# delivered through the gateway first; bench/history/*.sql then copy its rows N times in each
# service's database, with the services stopped, so no feed or sweeper sees half a history.
# Sourced by ./oms, whose globals it uses; it only defines functions.

readonly HISTORY_SKUS=100000
readonly HISTORY_CHUNK=50000  # clones per transaction: progress to watch, bounded memory

place_template_order() {  # -> BENCH_TEMPLATE: the id of one order the gateway saw to COMPLETED
  bench_api POST /v1/orders "$(jq -nc --arg c "$BENCH_CUSTOMER" '{customerId: $c, channel: "web",
    currency: "EUR", lines: [{sku: "BENCH-A-1", quantity: "1"}, {sku: "BENCH-B-1", quantity: "1"},
      {sku: "BENCH-A-2", quantity: "1"}],
    shippingAddress: {name: "Erika Mustermann", line1: "Heidestrasse 17", city: "Hamburg",
                      postalCode: "20095", country: "DE"},
    payment: {method: "CARD", token: "tok_visa"}}')"
  BENCH_TEMPLATE=$(jq -r .id <<<"$BENCH_BODY")
  local shipment type
  for shipment in $(jq -r '.shipments[].shipmentId' <<<"$BENCH_BODY"); do
    for type in PICKED PACKED SHIPPED IN_TRANSIT DELIVERED; do
      bench_api POST "/v1/shipments/$shipment/events" "$(jq -nc --arg t "SHIPMENT_EVENT_TYPE_$type" \
        --arg at "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" '{type: $t, occurredAt: $at}')"
    done
  done
  local deadline=$((SECONDS + 60))
  until bench_api GET "/v1/orders/$BENCH_TEMPLATE" &&
      [[ $(jq -r .status <<<"$BENCH_BODY") == ORDER_STATUS_COMPLETED ]]; do
    ((SECONDS < deadline)) || die "bench: the template order never completed: $BENCH_BODY"
    sleep 0.5
  done
}

clone_history() {  # db script orders -> the clones, chunk by chunk
  local db=$1 script=$2 orders=$3 first last
  for ((first = 1; first <= orders; first += HISTORY_CHUNK)); do
    last=$((first + HISTORY_CHUNK - 1))
    ((last <= orders)) || last=$orders
    bench_psql "$db" -1 -v template="$BENCH_TEMPLATE" -v first="$first" -v last="$last" \
      -f bench/history/clone.sql -f "$script" >/dev/null || die "bench: $script failed"
  done
}

load_history() {  # orders
  local orders=$1 started=$SECONDS
  say "bench: history: one order through the gateway to COMPLETED, the template of $orders more"
  place_template_order
  bench_stop_services
  say "bench: history: $HISTORY_SKUS SKUs in 10 warehouses, then $orders orders in 4 databases"
  bench_psql oms_inventory -v skus="$HISTORY_SKUS" -f bench/history/catalog.sql >/dev/null ||
    die "bench: the history catalog failed"
  # Two databases at a time: one loader per core.
  local -a pids=()
  clone_history oms_order bench/history/order.sql "$orders" & pids+=($!)
  clone_history oms_inventory bench/history/inventory.sql "$orders" & pids+=($!)
  wait "${pids[@]}" || die "bench: writing the history failed"
  pids=()
  clone_history oms_billing bench/history/billing.sql "$orders" & pids+=($!)
  clone_history oms_shipping bench/history/shipping.sql "$orders" & pids+=($!)
  wait "${pids[@]}" || die "bench: writing the history failed"
  bench_psql oms_inventory -v template="$BENCH_TEMPLATE" -v orders="$orders" \
    -f bench/history/inventory_finish.sql >/dev/null
  bench_psql oms_billing -f bench/history/billing_finish.sql >/dev/null
  bench_psql oms_shipping -f bench/history/shipping_finish.sql >/dev/null
  local head
  head=$(bench_psql oms_shipping -At -c 'SELECT last FROM outbox_counter')
  # The past is past for the feed's followers too (the customer notifier): they start after the
  # history's commits, as a new follower does (migration 0023), rather than notify a million
  # customers of orders long done while the run measures.
  bench_psql oms_order -c "UPDATE event_cursors SET last_sequence = $head WHERE stream = 'shipping'" \
    -c "UPDATE feed_followers SET cursor_xact = pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1,
          cursor_source = 1, cursor_row = 9223372036854775807" \
    -c 'VACUUM ANALYZE' >/dev/null
  # The load's dirty pages written out now, not by a checkpoint inside the measured run.
  bench_psql postgres -c CHECKPOINT >/dev/null
  say "bench: history of $orders orders written in $((SECONDS - started)) s; restarting the suite"
  bench_start_services
}
