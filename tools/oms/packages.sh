# shellcheck shell=bash
# tools/oms/packages.sh: `setup`: the Debian packages (PACKAGES), and the npm packages of the ops
# checks and of the console's browser tests.
# Sourced by ./oms, whose globals it uses; it only defines functions.

missing_packages() {
  local pkg status
  for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ $status != "install ok installed" ]]; then
      printf '%s\n' "$pkg"
    fi
  done
}

ensure_packages() {
  command -v dpkg-query >/dev/null ||
    die "this needs Debian (dpkg-query not found); install by hand: ${PACKAGES[*]}"
  local -a missing sudo=()
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  if ((EUID != 0)); then
    command -v sudo >/dev/null ||
      die "not root and no sudo: as root run apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  say "installing missing packages: ${missing[*]}"
  "${sudo[@]}" apt-get update
  # env after sudo: sudo drops the caller's environment.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

cmd_setup() {
  ensure_packages
  say "all ${#PACKAGES[@]} packages are installed"
  ensure_ops_check_deps
}

# The checks of k8s/ and ops/ (tools/ops-checks) run on node with npm packages, and render the
# manifests with kubectl's built-in kustomize. Debian 12 packages no kubectl, so these are
# expected on the machine rather than installed here.
ensure_ops_tools() {
  local tool
  local -a missing=()
  for tool in node npm kubectl; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    die "not found on PATH: ${missing[*]}. The checks of k8s/ and ops/ need node and npm (node 20 or later) and kubectl (1.27 or later, for its built-in kustomize; Debian 12 has no package for it: install the release binary as /usr/bin/kubectl)"
  fi
}

ensure_npm_deps() {  # dir (under the repo): its lock file's packages, (re)installed when missing or stale
  local dir="$REPO/$1"
  [[ -f $dir/package-lock.json ]] || return 0
  if [[ ! -d $dir/node_modules || $dir/package-lock.json -nt $dir/node_modules ]]; then
    say "installing the npm packages of $1 (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in $1 failed"
    touch "$dir/node_modules"  # newer than the lock file from now on
  fi
}

# The npm packages of tools/ops-checks, and of console/tests: playwright-core, which drives
# Debian's chromium (PACKAGES; never a browser download of its own) in the console's tests.
ensure_ops_check_deps() {
  ensure_ops_tools
  ensure_npm_deps tools/ops-checks
  ensure_npm_deps console/tests
}
