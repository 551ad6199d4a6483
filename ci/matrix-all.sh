#!/usr/bin/env bash
# `make matrix-all`: the 16-case matrix on every edk2 release Debian
# serves (one suite each), for each firmware architecture and platform of
# MATRIX_COMBOS (ARCH:MACHINE; qemu-system-i386 runs only IA32 firmware).
# A release the configured mirror does not serve is listed as
# unavailable, never as passed; test it with EDK2=/path.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
suites=${MATRIX_SUITES:-bullseye bookworm trixie sid}
combos=${MATRIX_COMBOS:-X64:x86_64 IA32:x86_64 IA32:i386}
status=0
summary=()
for suite in $suites; do
  tree="$build/edk2-$suite"
  ci/fetch-edk2.sh "$tree" "$suite" >"$build/fetch-$suite.log" 2>&1
  rc=$?
  if [ $rc -eq 3 ]; then
    summary+=("$suite: unavailable (the mirror serves no edk2 source for it; use EDK2=/path)")
    continue
  elif [ $rc -ne 0 ]; then
    summary+=("$suite: FETCH FAILED (see $build/fetch-$suite.log)")
    status=1
    continue
  fi
  release=$(cat "$tree/edk2/.smmhp-release")
  for combo in $combos; do
    arch=${combo%%:*} machine=${combo#*:}
    sfx=; [ "$arch" = IA32 ] && sfx=-ia32
    echo "=== $suite: edk2 $release, $arch firmware on qemu-system-$machine"
    if ! make --no-print-directory matrix EDK2="$tree/edk2" FW_DIR="$build/fw-$release$sfx" MATRIX_RELEASE="$release" \
        ARCH="$arch" MACHINE="$machine"; then
      summary+=("$suite: edk2 $release, $arch on qemu-system-$machine FAILED")
      status=1
    else
      summary+=("$suite: edk2 $release, $arch on qemu-system-$machine as expected")
    fi
  done
done
echo "=== matrix-all"
printf '%s\n' "${summary[@]}"
exit $status
