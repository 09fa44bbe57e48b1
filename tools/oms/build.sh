# shellcheck shell=bash
# tools/oms/build.sh: `build`: configure build/ with CMake (Ninja) when needed, then build.
# Sourced by ./oms, whose globals it uses; it only defines functions.

cmake_cache_value() {  # key -> value in build/CMakeCache.txt (empty if unset)
  sed -n "s/^$1:[A-Z]*=//p" build/CMakeCache.txt
}

needs_configure() {  # build type -> 0 when cmake must (re)configure
  local type=$1
  if [[ ! -f build/CMakeCache.txt ]]; then
    return 0
  fi
  local generator
  generator=$(cmake_cache_value CMAKE_GENERATOR)
  # cmake refuses to switch generators in place; say so instead of failing obscurely.
  if [[ -n $generator && $generator != Ninja ]]; then
    die "build/ was configured with '$generator', not Ninja: remove build/ and run again"
  fi
  [[ ! -f build/build.ninja || $(cmake_cache_value CMAKE_BUILD_TYPE) != "$type" ]]
}

cmd_build() {
  ensure_packages
  [[ -f CMakeLists.txt ]] || die "no CMakeLists.txt in $REPO: nothing to build yet"
  # CMake picks ccache as the compiler launcher; this keeps its cache out of the tree.
  export CCACHE_DIR="${CCACHE_DIR:-${HOME:-$REPO}/.cache/ccache}"
  # Paths below the checkout hash as relative, so a fresh clone elsewhere hits the same cache.
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$REPO}"
  local type=${OMS_BUILD_TYPE:-Release}
  if needs_configure "$type"; then
    say "configuring build/ ($type)"
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$type"
  fi
  say "building"
  cmake --build build "$@"
}

# The fuzzers' tree (cmake/OmsFuzz.cmake): clang with libFuzzer, ASan and UBSan, in build/fuzz;
# the main tree's tests run what it builds.
build_fuzzers() {
  command -v clang++ >/dev/null || die "the fuzzers need clang++ (./oms setup installs clang)"
  export CCACHE_DIR="${CCACHE_DIR:-${HOME:-$REPO}/.cache/ccache}"
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$REPO}"
  if [[ ! -f build/fuzz/build.ninja ]]; then
    say "configuring build/fuzz (clang, libFuzzer, ASan, UBSan)"
    cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
      -DOMS_FUZZ=ON
  fi
  say "building the fuzzers"
  cmake --build build/fuzz --target oms_fuzzers
}
