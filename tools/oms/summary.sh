# shellcheck shell=bash
# tools/oms/summary.sh: what `up` prints once everything serves: addresses, logs, commands to try.
# Sourced by ./oms, whose globals it uses; it only defines functions.

summary_row() {
  printf '%-18s %-24s %-32s %s\n' "$@"
}

print_summary() {
  local svc addr
  printf '\n'
  summary_row PROCESS ADDRESS METRICS LOG
  for svc in "${STARTED[@]}"; do
    addr="127.0.0.1:${PORT[$svc]}"
    if [[ $svc == gateway ]]; then
      addr="http://$addr"
    fi
    summary_row "${SVC_BIN[$svc]##*/}" "$addr" \
      "http://127.0.0.1:${METRICS_PORT[$svc]}/metrics" ".oms/logs/$svc.log"
  done
  printf '\n%-18s %s\n' postgresql "$PG_DISPLAY_URL"
  printf '%-18s %s\n' databases "${DATABASES[*]} (role = database name)"
  printf '%-18s %s\n' secrets "$SECRETS"
  if is_started inventory; then
    printf '\ntry: %s list-products --inventory 127.0.0.1:%s\n' "$OMSCTL" "${PORT[inventory]}"
  fi
  if is_started gateway; then
    print_gateway_examples
  fi
  printf '\n'
}

print_gateway_examples() {  # the gateway's URL, the admin key and curl commands that work as printed
  # Every value printed inside single quotes is hex, a UUID or fixed text: none holds a quote.
  local url="http://127.0.0.1:${PORT[gateway]}" auth="Authorization: Bearer $ADMIN_KEY"
  printf '\n%-18s %s\n' gateway "$url  (API: $url/openapi.json)"
  printf '%-18s %s\n' console "$url/console/  (sign in with the admin key)"
  printf '%-18s %s  (OMS_BOOTSTRAP_ADMIN_KEY in %s)\n' "admin key" "$ADMIN_KEY" "$SECRETS"
  if is_started inventory; then
    printf "\n# the catalog\ncurl -s -H '%s' '%s'\n" "$auth" "$url/v1/products"
    printf "\n# stock of BACKPACK-20L per warehouse\ncurl -s -H '%s' '%s'\n" "$auth" \
      "$url/v1/products/BACKPACK-20L/availability"
  fi
  if [[ -n $DEMO_CUSTOMER_ID ]] && is_started billing && is_started shipping; then
    # A fresh key per run; sending the same command again replays the order (200).
    local key body
    key=$(random_secret)
    body=$(printf '{"customerId":"%s","channel":"web","currency":"EUR","lines":[{"sku":"BACKPACK-20L","quantity":2}],"shippingAddress":{"name":"Demo Customer","line1":"Alexanderplatz 1","city":"Berlin","postalCode":"10178","country":"DE"},"payment":{"method":"CARD","token":"tok_visa"},"allocationStrategy":"MINIMIZE_SPLITS"}' \
      "$DEMO_CUSTOMER_ID")
    printf '\n# place an order for the demo customer (demo@oms.example)\n'
    printf "curl -s -X POST -H '%s' -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-%s' '%s' -d '%s'\n" \
      "$auth" "${key:0:12}" "$url/v1/orders" "$body"
  fi
}
