# shellcheck shell=bash
# tools/oms/demo.sh: `demo`: one order through the gateway of a running `up`, over HTTP.
# Sourced by ./oms, whose globals it uses; it only defines functions.

cmd_demo() {  # walks one order through the gateway of a running `up`, over HTTP with curl
  command -v curl >/dev/null || die "demo needs curl"
  command -v jq >/dev/null || die "demo needs jq (apt-get install jq)"
  resolve_ports
  local url="http://127.0.0.1:${PORT[gateway]}" admin_key=${OMS_BOOTSTRAP_ADMIN_KEY:-}
  [[ -n $admin_key ]] || admin_key=$(secret_get OMS_BOOTSTRAP_ADMIN_KEY)
  [[ -n $admin_key ]] || die "no admin key: set OMS_BOOTSTRAP_ADMIN_KEY or start the stack with ./oms up"
  local run status body
  run=$(random_secret)
  run=${run:0:10}
  # api METHOD PATH [BODY [HEADER...]] -> status and body; the admin key in a header file, not
  # on the command line (ps shows arguments).
  local auth_file
  auth_file=$(mktemp)
  chmod 600 "$auth_file"
  printf 'Authorization: Bearer %s\n' "$admin_key" >"$auth_file"
  # shellcheck disable=SC2064  # expand now: the file's name is local to this function
  trap "rm -f '$auth_file'" EXIT
  api() {
    local method=$1 path=$2 data=${3:-} out
    local -a args=(-s -X "$method" -H "@$auth_file" -w '\n%{http_code}')
    shift 3 2>/dev/null || shift $#
    local header
    for header in "$@"; do args+=(-H "$header"); done
    if [[ -n $data ]]; then args+=(-H 'Content-Type: application/json' --data-binary "$data"); fi
    out=$(curl "${args[@]}" "$url$path") || die "the gateway at $url does not answer: is ./oms up running?"
    status=${out##*$'\n'}
    body=${out%$'\n'*}
  }
  expect() {  # status what
    [[ $status == "$1" ]] || die "$2: HTTP $status: $body"
  }
  now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

  api GET /readyz
  expect 200 "the gateway is not ready (start everything with ./oms up)"
  say "gateway $url"

  # The demo customer (demo@oms.example): made by the demo data; demo-load is idempotent.
  local customer=${OMS_DEMO_CUSTOMER_ID:-}
  if [[ -z $customer ]]; then
    [[ -x $OMSCTL ]] || die "$OMSCTL is not built: build it or set OMS_DEMO_CUSTOMER_ID"
    use_omsctl_identity  # the certificates `up` made (tools/oms/pki.sh)
    customer=$("$OMSCTL" demo-load --inventory "127.0.0.1:${PORT[inventory]}" \
      --orders "127.0.0.1:${PORT[order]}" | sed -n 's/^demo customer: //p')
    [[ -n $customer ]] || die "cannot find the demo customer"
  fi
  say "demo customer $customer"

  # Enough BACKPACK-20L where the demo data keeps it, BER-1 and WAW-1 (5 each), so that 8 must
  # split across two warehouses however often the demo runs.
  local sku=BACKPACK-20L warehouse available
  api GET "/v1/products/$sku/availability"
  expect 200 "availability of $sku"
  while read -r warehouse available; do
    if ((available < 5)); then
      api POST /v1/stock:adjust \
        "$(jq -nc --arg w "$warehouse" --arg s "$sku" --arg d "$((5 - available))" \
          '{warehouseId: $w, sku: $s, delta: $d, reason: "ADJUSTMENT_REASON_RECEIPT", note: "oms demo"}')" \
        "Idempotency-Key: demo-$run-stock-$warehouse"
      expect 200 "restocking $sku"
    fi
  done < <(jq -r '.levels[] | select(.warehouseCode == "BER-1" or .warehouseCode == "WAW-1")
                  | "\(.warehouseId) \(.available)"' <<<"$body")

  # 1. Place the order: 8 × BACKPACK-20L, split across two warehouses.
  api POST /v1/orders "$(jq -nc --arg c "$customer" --arg s "$sku" '{customerId: $c, channel: "web",
      currency: "EUR", lines: [{sku: $s, quantity: "8"}],
      shippingAddress: {name: "Demo Customer", line1: "Alexanderplatz 1", city: "Berlin",
                        postalCode: "10178", country: "DE"},
      payment: {method: "CARD", token: "tok_visa"}, allocationStrategy: "MINIMIZE_SPLITS"}')" \
    "Idempotency-Key: demo-$run-order"
  [[ $status == 201 || $status == 202 ]] || die "placing the order: HTTP $status: $body"
  local order
  order=$(jq -r .id <<<"$body")
  say "order $order: $(jq -r '.status' <<<"$body"), $(jq -r '.shipments | length' <<<"$body") shipments"
  jq -r '.allocation.groups[] | "oms:   \(.warehouseCode): \(.lines | map("\(.quantity) × \(.sku)") | join(", "))"' \
    <<<"$body" >&2
  [[ $(jq -r .status <<<"$body") == ORDER_STATUS_CONFIRMED ]] || die "the order was not confirmed: $body"

  # 2. Ship and deliver each shipment, as the warehouse and the carrier report it.
  local shipment type
  for shipment in $(jq -r '.shipments[].shipmentId' <<<"$body"); do
    for type in PICKED PACKED SHIPPED IN_TRANSIT DELIVERED; do
      api POST "/v1/shipments/$shipment/events" \
        "$(jq -nc --arg t "SHIPMENT_EVENT_TYPE_$type" --arg at "$(now)" \
          '{type: $t, occurredAt: $at, location: "Berlin", note: "oms demo"}')" \
        "Idempotency-Key: demo-$run-$shipment-$type"
      expect 200 "event $type of shipment $shipment"
    done
    say "shipment $shipment delivered"
  done
  wait_order() {  # jq condition, what -> returns once the order meets it (30 s at most)
    local deadline=$((SECONDS + 30))
    until api GET "/v1/orders/$order" && [[ $status == 200 ]] && jq -e "$1" <<<"$body" >/dev/null; do
      ((SECONDS < deadline)) || die "timed out waiting for $2: $body"
      sleep 0.2
    done
  }
  wait_order '.status == "ORDER_STATUS_COMPLETED"' "the order to complete"
  say "order $order: COMPLETED"

  # 3. Return one unit: the customer asks, the warehouse receives it (once the return shipment
  # exists: until then the gateway answers 409 RETURN_SHIPMENT_PENDING).
  api POST "/v1/orders/$order/returns" \
    "$(jq -nc --arg s "$sku" '{lines: [{sku: $s, quantity: "1"}], reason: "too small"}')" \
    "Idempotency-Key: demo-$run-return"
  expect 201 "requesting the return"
  local ret return_warehouse
  ret=$(jq -r .id <<<"$body")
  return_warehouse=$(jq -r .warehouseId <<<"$body")
  say "return $ret requested"
  local deadline=$((SECONDS + 30))
  while :; do
    api POST "/v1/returns/$ret:receive" \
      "$(jq -nc --arg w "$return_warehouse" --arg s "$sku" \
        '{warehouseId: $w, lines: [{sku: $s, quantity: "1", resellable: true}]}')" \
      "Idempotency-Key: demo-$run-receive"
    [[ $status == 409 && $(jq -r '.error.reason' <<<"$body") == RETURN_SHIPMENT_PENDING ]] || break
    ((SECONDS < deadline)) || die "the return shipment was never created"
    sleep 0.2
  done
  expect 200 "receiving the return"
  wait_order '.returnStatus != ""' "the return to be refunded"
  say "return $ret received; order return status $(jq -r .returnStatus <<<"$body")"

  # 4. The timeline, as a table.
  api GET "/v1/orders/$order/timeline"
  expect 200 "the timeline"
  printf '\nTimeline of order %s\n\n' "$order"
  # Ids (shipments, payments, sagas' subjects) shortened to their first 8 digits.
  local row='%-27s  %-8s  %-30s  %-17s  %s\n'
  # shellcheck disable=SC2059  # the format is the table's
  printf "$row" TIME SOURCE EVENT SUBJECT DETAIL
  # shellcheck disable=SC2059
  printf "$row" --------------------------- -------- ------------------------------ ----------------- ------
  jq -r '.events[] | [.time, .source, .kind,
           (.subject | gsub("(?<id>[0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
                            "\(.id)")), .detail] | @tsv' \
    <<<"$body" |
    while IFS=$'\t' read -r time source kind subject detail; do
      # shellcheck disable=SC2059
      printf "$row" "$time" "$source" "$kind" "$subject" "$detail"
    done
  printf '\n'

  # 5. The invariants across the four services, checked by the same code as the chaos run and
  # the CronJob (sagas still in flight are not held against them).
  suite_check || die "the invariant check failed (see above; ops/runbooks/invariants.md)"
  say "invariants hold across the four services"
}
