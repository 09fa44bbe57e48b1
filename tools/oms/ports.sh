# shellcheck shell=bash
# tools/oms/ports.sh: the services' ports (OMS_<SVC>_PORT, OMS_<SVC>_METRICS_PORT), checked free.
# Sourced by ./oms, whose globals it uses; it only defines functions.

port_setting() {  # variable default -> REPLY, the port from the environment or the default
  local var=$1
  REPLY=${!var:-$2}
  if ! [[ $REPLY =~ ^[0-9]{1,5}$ ]] || ((REPLY < 1 || REPLY > 65535)); then
    die "$var=$REPLY is not a TCP port"
  fi
}

resolve_ports() {
  local svc
  for svc in "${SERVICES[@]}"; do
    port_setting "OMS_${svc^^}_PORT" "${SVC_PORT_DEFAULT[$svc]}"
    # shellcheck disable=SC2004  # PORT and METRICS_PORT: associative arrays of ./oms
    PORT[$svc]=$REPLY
    port_setting "OMS_${svc^^}_METRICS_PORT" "${SVC_METRICS_DEFAULT[$svc]}"
    # shellcheck disable=SC2004
    METRICS_PORT[$svc]=$REPLY
  done
}

tcp_open() (  # host port -> 0 when something accepts connections there
  exec 3<>"/dev/tcp/$1/$2"
) 2>/dev/null

port_in_use() {  # port -> 0 when a listener holds it on any local address
  local port=$1
  # ss also sees listeners on 0.0.0.0 and ::, which a connect to 127.0.0.1 could miss.
  if command -v ss >/dev/null && [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]]; then
    return 0
  fi
  tcp_open 127.0.0.1 "$port"
}

pick_free_port() {  # first -> REPLY, the first free loopback port from there
  local port
  for ((port = $1; port < $1 + 200 && port <= 65535; port++)); do
    if ! port_in_use "$port"; then
      REPLY=$port
      return 0
    fi
  done
  die "no free port in $1..$(($1 + 199))"
}

check_ports_free() {  # fails naming the port and its variable
  local svc var port
  local -A taken_by=()
  for svc in "${STARTABLE[@]}"; do
    for var in "OMS_${svc^^}_PORT" "OMS_${svc^^}_METRICS_PORT"; do
      if [[ $var == *_METRICS_PORT ]]; then port=${METRICS_PORT[$svc]}; else port=${PORT[$svc]}; fi
      [[ -z ${taken_by[$port]:-} ]] ||
        die "port $port is given to both ${taken_by[$port]} and $var: export a different value for one"
      taken_by[$port]=$var
      if port_in_use "$port"; then
        die "port $port ($var) is already in use: stop what holds it (ss -ltnp 'sport = :$port') or export $var=<free port>"
      fi
    done
  done
}
