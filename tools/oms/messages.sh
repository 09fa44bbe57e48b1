# shellcheck shell=bash
# tools/oms/messages.sh: messages to the user, on stderr; die ends the command.
# Sourced by ./oms, whose globals it uses; it only defines functions.

say()  { printf 'oms: %s\n' "$*" >&2; }
warn() { printf 'oms: warning: %s\n' "$*" >&2; }
die()  { printf 'oms: error: %s\n' "$*" >&2; exit 1; }
