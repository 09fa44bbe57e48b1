# shellcheck shell=bash
# tools/oms/pki.sh: the local PKI of `up`: a CA and one certificate per process under .oms/pki,
# made with openssl, so that the local run uses mutual TLS like production.
# Sourced by ./oms, whose globals it uses; it only defines functions.

readonly PKI_DIR="$OMS_DIR/pki"
# Every identity of the call graph: the five processes and the operators' omsctl.
readonly PKI_NAMES=(gateway order-service inventory-service billing-service shipping-service omsctl)

pki_plaintext() {  # -> 0 when the caller chose plain text (OMS_INSECURE_PLAINTEXT=1)
  [[ ${OMS_INSECURE_PLAINTEXT:-0} == 1 || ${OMS_INSECURE_PLAINTEXT:-} == true ]]
}

pki_identity() {  # svc (order, gateway, ...) -> the name its certificate carries
  if [[ $1 == gateway || $1 == omsctl ]]; then
    printf '%s' "$1"
  else
    printf '%s-service' "$1"
  fi
}

pki_issue() {  # name -> .oms/pki/<name>/{cert,key}.pem, valid 30 days, replaced a day before expiry
  local name=$1 dir="$PKI_DIR/$1"
  if [[ -f $dir/cert.pem ]] && openssl x509 -checkend 86400 -noout -in "$dir/cert.pem" >/dev/null 2>&1; then
    return 0
  fi
  mkdir -p "$dir"
  local work
  work=$(mktemp -d "$PKI_DIR/.issue.XXXXXX")
  # 127.0.0.1 and localhost beside the SPIFFE identity: peers connect over loopback.
  printf '%s\n' '[leaf]' 'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature,keyEncipherment' \
    'extendedKeyUsage=serverAuth,clientAuth' \
    "subjectAltName=URI:spiffe://oms/$name,IP:127.0.0.1,DNS:localhost" >"$work/ext.cnf"
  (umask 077 && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$work/key.pem" -out "$work/req.pem" -subj "/CN=$name" 2>"$work/log") ||
    die "openssl could not make a key for $name: $(cat "$work/log")"
  openssl x509 -req -in "$work/req.pem" -CA "$PKI_DIR/ca.pem" -CAkey "$PKI_DIR/ca.key" \
    -CAcreateserial -days 30 -extfile "$work/ext.cnf" -extensions leaf \
    -out "$work/cert.pem" 2>"$work/log" || die "openssl could not sign $name: $(cat "$work/log")"
  # Running processes re-read the files (--tls_refresh_seconds): replace them whole.
  mv -f "$work/key.pem" "$dir/key.pem"
  mv -f "$work/cert.pem" "$dir/cert.pem"
  rm -rf "$work"
}

ensure_pki() {  # the CA (made once, 10 years) and every identity's certificate
  pki_plaintext && return 0
  command -v openssl >/dev/null || die "openssl is missing: apt-get install openssl (or OMS_INSECURE_PLAINTEXT=1)"
  mkdir -p "$PKI_DIR"
  chmod 700 "$PKI_DIR"
  if [[ ! -f $PKI_DIR/ca.pem || ! -f $PKI_DIR/ca.key ]]; then
    say "making a local CA in .oms/pki"
    (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$PKI_DIR/ca.key" -out "$PKI_DIR/ca.pem" -days 3650 -subj "/CN=oms local CA" \
      2>"$PKI_DIR/ca.log") || die "openssl could not make the CA: $(cat "$PKI_DIR/ca.log")"
  fi
  local name
  for name in "${PKI_NAMES[@]}"; do
    pki_issue "$name"
  done
}

pki_env() {  # name -> prints the variables of a process with that identity, one per line
  pki_plaintext && return 0
  printf '%s\n' "OMS_TLS_CA_FILE=$PKI_DIR/ca.pem" "OMS_TLS_CERT_FILE=$PKI_DIR/$1/cert.pem" \
    "OMS_TLS_KEY_FILE=$PKI_DIR/$1/key.pem"
}

use_omsctl_identity() {  # this shell's omsctl calls present the omsctl certificate
  local entry
  while IFS= read -r entry; do
    [[ -n $entry ]] && export "${entry?}"
  done < <(pki_env omsctl)
}
