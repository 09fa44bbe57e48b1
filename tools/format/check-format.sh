#!/usr/bin/env bash
# Fails, naming each file, when a C++ source git tracks differs from what clang-format makes of
# it with the tree's .clang-format. `--fix` rewrites them instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed" >&2; exit 1; }
mapfile -t files < <(git ls-files -- '*.cc' '*.h')
if ((${#files[@]} == 0)); then
  echo "check-format: git lists no C++ sources here" >&2
  exit 1
fi
if [[ ${1:-} == --fix ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
# One clang-format for every file; each finding names its file first ("path:line:col: error").
mapfile -t bad < <(clang-format --dry-run --Werror "${files[@]}" 2>&1 >/dev/null |
  sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error.*/\1/p' | sort -u)
if ((${#bad[@]})); then
  printf 'check-format: not formatted (run tools/format/check-format.sh --fix):\n' >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
