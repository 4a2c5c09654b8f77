#!/usr/bin/env bash
# The install proof (abseil's CMake/install_test_project): installs a built casework tree into a temporary
# prefix, then configures, builds and runs tests/install/consumer against that prefix only, the way an
# integrator uses find_package(casework). Any failing step stops the test with its output and a non-zero exit.
#
#   tests/install/run-install-test.sh BUILD_DIR
#
# BUILD_DIR must already be built (`cmake --build BUILD_DIR`). The consumer is built with the compiler, build
# type and sanitizers of BUILD_DIR. The temporary directory is removed on success and kept on failure
# (its path is printed), or always kept with CASEWORK_KEEP_INSTALL_TEST=1.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -f "$1/CMakeCache.txt" ]; then
  echo "usage: $0 BUILD_DIR (a configured and built casework build tree)" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
consumer=$(cd "$(dirname "$0")/consumer" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/casework-install-test.XXXXXX")
prefix=$tmp/prefix

cleanup() {
  local rc=$?
  if [ $rc -eq 0 ] && [ "${CASEWORK_KEEP_INSTALL_TEST:-0}" != 1 ]; then
    rm -rf "$tmp"
  else
    echo "run-install-test: kept $tmp" >&2
  fi
}
trap cleanup EXIT

# Runs a step quietly; on failure prints what failed and the step's output.
step() {
  local what=$1
  shift
  echo "run-install-test: $what"
  if ! "$@" >"$tmp/step.log" 2>&1; then
    echo "run-install-test: FAILED: $what" >&2
    echo "  command: $*" >&2
    sed 's/^/  | /' "$tmp/step.log" >&2
    exit 1
  fi
}

fail() {
  echo "run-install-test: FAILED: $*" >&2
  exit 1
}

# A value from the build tree's cache, or empty.
cached() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt" | head -n 1; }

step "install $build into $prefix" cmake --install "$build" --prefix "$prefix"
[ -f "$prefix/share/casework/workflows/definitions/dispatch.json" ] ||
  fail "the install holds no share/casework/workflows/definitions/dispatch.json"

configure=(cmake -S "$consumer" -B "$tmp/build" "-DCMAKE_PREFIX_PATH=$prefix"
           -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
           "-DCMAKE_CXX_COMPILER=$(cached CMAKE_CXX_COMPILER)"
           "-DCMAKE_BUILD_TYPE=$(cached CMAKE_BUILD_TYPE)")
if command -v ninja >/dev/null; then configure+=(-G Ninja); fi
sanitize=$(cached CASEWORK_SANITIZE)
if [ -n "$sanitize" ]; then
  # The installed static libraries are instrumented: the consumer needs the sanitizer runtime too.
  configure+=("-DCMAKE_CXX_FLAGS=-fsanitize=$sanitize" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=$sanitize")
fi
step "configure the consumer against $prefix" "${configure[@]}"

found=$(sed -n 's/^casework_DIR:[A-Z]*=//p' "$tmp/build/CMakeCache.txt")
case "$found" in
  "$prefix"/*) ;;
  *) fail "find_package(casework) found '$found', not the package installed in $prefix" ;;
esac

step "build the consumer" cmake --build "$tmp/build"

echo "run-install-test: run the consumer"
if ! output=$("$tmp/build/casework_consumer" 2>&1); then
  printf '%s\n' "$output" | sed 's/^/  | /' >&2
  fail "the consumer exited with an error"
fi
printf '%s\n' "$output"
case "$output" in
  *"stage-one deadline "*) ;;
  *) fail "the consumer printed no stage-one deadline" ;;
esac
case "$output" in
  *'casework_open_cases{agency="pwd-parks-lights",workflow="dispatch",state="created"} 1'*) ;;
  *) fail "the consumer printed no casework_open_cases metric for the new case" ;;
esac
echo "run-install-test: OK"
