#!/usr/bin/env bash
# SoftHSM2, a PKCS#11 token in files, for the tests and benchmarks of the --pkcs11 backend:
#   scripts/softhsm.sh install          installs SoftHSM2 and OpenSC (pkcs11-tool) from Debian when
#                                       missing (sudo only when not root, no recommended packages)
#   scripts/softhsm.sh module           prints the path of SoftHSM2's PKCS#11 module
#   scripts/softhsm.sh init DIR [LABEL] makes DIR/tokens and DIR/softhsm2.conf, initialises a
#                                       token labelled LABEL (default cloudhsm-shell) there and
#                                       prints, one a line, NAME=value lines for the shell:
#                                       SOFTHSM2_CONF, CLOUDHSM_SHELL_PKCS11_MODULE and
#                                       CLOUDHSM_SHELL_PKCS11_TOKEN. Load them with
#                                         set -a; eval "$(scripts/softhsm.sh init DIR)"; set +a
# init sets the security officer's PIN from SOFTHSM_SO_PIN (test default 87654321) and the
# user's PIN from SOFTHSM_USER_PIN (test default 12345678); both defaults are for throwaway test
# tokens only. Every process that loads the module needs SOFTHSM2_CONF, or SoftHSM2 uses the
# system's tokens in /var/lib/softhsm. Slot ids change when a token is initialised, so the
# token is chosen by its label, and init refuses a label DIR already has.
set -euo pipefail

readonly default_label=cloudhsm-shell
readonly default_so_pin=87654321
readonly default_user_pin=12345678

usage() {
  sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

fail() {
  echo "softhsm.sh: $*" >&2
  exit 1
}

# The module's path: the Debian symlink first, then the multiarch and other usual places.
module_path() {
  local candidates=(/usr/lib/softhsm/libsofthsm2.so)
  if command -v dpkg-architecture >/dev/null 2>&1; then
    candidates+=("/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)/softhsm/libsofthsm2.so")
  fi
  candidates+=(/usr/lib/*/softhsm/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so
    /usr/lib64/softhsm/libsofthsm2.so /usr/lib64/pkcs11/libsofthsm2.so)
  local candidate
  for candidate in "${candidates[@]}"; do
    if [[ -f $candidate ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

installed() {
  command -v softhsm2-util >/dev/null 2>&1 && command -v pkcs11-tool >/dev/null 2>&1 &&
    module_path >/dev/null
}

require_installed() {
  installed || fail "SoftHSM2 and OpenSC (softhsm2-util, pkcs11-tool, libsofthsm2.so) are not installed: run scripts/softhsm.sh install"
}

install() {
  if installed; then
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 ||
    fail "SoftHSM2 and OpenSC are missing and there is no apt-get: install softhsm2 and opensc with the system's package manager"
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  echo "softhsm.sh: installing softhsm2 and opensc" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    softhsm2 opensc >/dev/null
  installed || fail "softhsm2 and opensc were installed, but the module or a tool is still missing"
}

# Whether the SoftHSM2 configured by $SOFTHSM2_CONF has an initialised token labelled $1.
has_label() {
  softhsm2-util --show-slots | sed -n 's/^ *Label: *//p' | sed 's/ *$//' | grep -qxF -- "$1"
}

init() {
  local dir=$1 label=$2
  [[ -n $label && ${#label} -le 32 ]] || fail "a token label has 1 to 32 characters: '$label'"
  require_installed
  mkdir -p "$dir/tokens"
  dir=$(cd "$dir" && pwd)
  local conf="$dir/softhsm2.conf"
  if [[ ! -f $conf ]]; then
    cat >"$conf" <<EOF
# SoftHSM2 of cloudhsm-shell's tests and benchmarks (scripts/softhsm.sh); tokens in files here.
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
slots.mechanisms = ALL
library.reset_on_fork = false
EOF
  fi
  export SOFTHSM2_CONF=$conf
  if has_label "$label"; then
    fail "$dir already has a token labelled '$label'; choose another label or directory"
  fi
  softhsm2-util --init-token --free --label "$label" \
    --so-pin "${SOFTHSM_SO_PIN:-$default_so_pin}" --pin "${SOFTHSM_USER_PIN:-$default_user_pin}" \
    >/dev/null || fail "softhsm2-util could not initialise the token '$label' in $dir"
  has_label "$label" || fail "the token '$label' is not listed after its initialisation"
  local name value
  for name in SOFTHSM2_CONF CLOUDHSM_SHELL_PKCS11_MODULE CLOUDHSM_SHELL_PKCS11_TOKEN; do
    case $name in
    SOFTHSM2_CONF) value=$conf ;;
    CLOUDHSM_SHELL_PKCS11_MODULE) value=$(module_path) ;;
    CLOUDHSM_SHELL_PKCS11_TOKEN) value=$label ;;
    esac
    printf '%s=%q\n' "$name" "$value"
  done
}

case ${1:-} in
install)
  [[ $# -eq 1 ]] || usage
  install
  ;;
module)
  [[ $# -eq 1 ]] || usage
  require_installed
  module_path
  ;;
init)
  [[ $# -eq 2 || $# -eq 3 ]] || usage
  init "$2" "${3:-$default_label}"
  ;;
*)
  usage
  ;;
esac
