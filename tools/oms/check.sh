# shellcheck shell=bash
# tools/oms/check.sh: `check`: RELIABILITY.md's invariants over a running `up` (omsctl check).
# Sourced by ./oms, whose globals it uses; it only defines functions.

cmd_check() {  # omsctl check against the services of `up`; args go to omsctl (e.g. --at_rest)
  [[ -x $OMSCTL ]] || die "$OMSCTL is not built: run ./oms build"
  resolve_ports
  exec "$OMSCTL" check "--orders=127.0.0.1:${PORT[order]}" \
    "--inventory=127.0.0.1:${PORT[inventory]}" "--billing=127.0.0.1:${PORT[billing]}" \
    "--shipping=127.0.0.1:${PORT[shipping]}" "$@"
}
