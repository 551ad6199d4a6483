#!/usr/bin/env bash
# `make bench`, scale part: boot 1 of N possible CPUs, hot-plug the other
# N-1, relocate them in one SMI (one CSCN, as QEMU's AML batches it),
# online them and send a broadcast SMI; for N = 8, 64 and 248 (the most
# the memory map fits, include/smmhp/memmap.h). Prints the bench figures
# per N and the cost ratios of the largest N to N = 8 (per guest
# instruction and per SMM entry; the target is within 1.5x).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
sizes=${SCALE_SIZES:-8 64 248}
dir="$build/bench-scale"
mkdir -p "$dir"
declare -A insn entry
for n in $sizes; do
  scn="$dir/plug-1-of-$n.scn"
  {
    echo "machine cpus=1/$n smm=on"
    echo boot
    for i in $(seq 1 $((n - 1))); do echo "device_add slot=$i"; done
    echo "os cscn"
    for i in $(seq 1 $((n - 1))); do echo "os online apic=$i"; done
    echo "os apm value=0"
    echo "expect-not violation"
    echo "expect-verdict pass"
  } >"$scn"
  out=$("$build/smmhp" bench "$scn" --runs 3)
  echo "$out"
  insn[$n]=$(awk '/ns-per-insn/ { print $2 }' <<<"$out")
  entry[$n]=$(awk '/smm-entries/ { print $5 }' <<<"$out")
done
set -- $sizes
first=$1
last=${!#}
awk -v a="${insn[$first]}" -v b="${insn[$last]}" -v e0="${entry[$first]}" -v e1="${entry[$last]}" \
    -v n0="$first" -v n1="$last" 'BEGIN {
  printf "  scale         ns per guest instruction at %d CPUs / at %d: %.2f (target 1.5)\n", n1, n0, b / a
  printf "  scale         ns per SMM entry at %d CPUs / at %d: %.2f (target 1.5)\n", n1, n0, e1 / e0
}'
