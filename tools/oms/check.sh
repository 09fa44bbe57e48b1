# shellcheck shell=bash
# tools/oms/check.sh: `check`: RELIABILITY.md's invariants over a running `up` (omsctl check).
# Sourced by ./oms, whose globals it uses; it only defines functions.

suite_check() {  # omsctl check against the services of `up` (ports resolved); args go to omsctl
  [[ -x $OMSCTL ]] || die "$OMSCTL is not built: run ./oms build"
  use_omsctl_identity  # the certificates `up` made (tools/oms/pki.sh)
  "$OMSCTL" check "--orders=127.0.0.1:${PORT[order]}" \
    "--inventory=127.0.0.1:${PORT[inventory]}" "--billing=127.0.0.1:${PORT[billing]}" \
    "--shipping=127.0.0.1:${PORT[shipping]}" "$@"
}

cmd_check() {  # `check [args]`: exit 1 on a violation, 2 when a service cannot be read
  resolve_ports
  suite_check "$@"
}
