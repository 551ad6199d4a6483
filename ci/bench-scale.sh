#!/usr/bin/env bash
# `make bench`, scale part, on edk2 2025.02 (build/fw-2025.02, built by
# `make release-firmware`): boot 1 of N possible CPUs, hot-plug the other
# N-1 (slot=1..N-1), one CSCN (the OS actor batches Notify 255 per pass,
# as QEMU's AML does; the firmware relocates every new CPU in that SMI),
# then a broadcast SMI brings every CPU through its own handler. For
# N = 8, 64, 288, 1024 and 4096: N > 288 needs the QEMU 9.0 setting, and
# TSEG grows with N (memmap.h SMMHP_TSEG_NEEDED). Prints the bench figures
# per N and, for the largest N against N = 8, the cost per guest
# instruction and per SMM entry (target: within 1.5x) and the peak RSS
# (target: under 1 GiB at 4096). Then two more runs of the issue's
# scenarios: hot-plug in batches of 256 (one CSCN each, so every batch's
# SMI is a broadcast through all CPUs present) at SCALE_BATCHED_SIZES
# (default 4096), and "unplug half of them again" at SCALE_UNPLUG_SIZES
# (default 1024: one CEJ0, thus one broadcast SMI, per ejected CPU makes
# it quadratic; 4096 takes about 10 minutes here).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
sizes=${SCALE_SIZES:-8 64 288 1024 4096}
fw=${SCALE_FW:-$build/fw-2025.02/smmhp-fw.elf}
dir="$build/bench-scale"
mkdir -p "$dir"
if [ ! -r "$fw" ]; then
  echo "bench-scale: $fw is missing (make release-firmware builds edk2 2025.02's firmware)" >&2
  exit 2
fi
declare -A insn entry rss
# machine line for n possible CPUs: QEMU 9.0 above 288, TSEG as needed
machine_line() {
  local n=$1 need_mib tseg qemu=""
  need_mib=$(( (0x608000 + n * 0x4000 + 0xFFFFF) / 0x100000 ))
  tseg=$(( need_mib > 16 ? need_mib : 16 ))
  [ "$n" -gt 288 ] && qemu=" qemu=9.0"
  echo "machine cpus=1/$n smm=on$qemu ext_tseg_mbytes=$tseg"
}
# what every run must show: k CPUs present, each relocated to its own
# SMBASE in TSEG and entered through it, and no invariant broken
expect_all_relocated() {
  local k=$1
  echo "expect smbase_summary present=$k relocated=$k distinct=$k in_tseg=$k entered_relocated=$k"
  echo "expect-not violation"
  echo "expect-verdict pass"
}
for n in $sizes; do
  scn="$dir/plug-$((n - 1))-of-$n.scn"
  {
    machine_line "$n"
    echo "budget 20000000000"
    echo boot
    [ "$n" -gt 1 ] && echo "device_add slot=1..$((n - 1))"
    echo "os cscn"
    echo "os apm value=0"
    expect_all_relocated "$n"
  } >"$scn"
  runs=3
  [ "$n" -gt 288 ] && runs=1
  out=$("$build/smmhp" bench "$scn" --runs $runs --fw "$fw")
  echo "$out"
  insn[$n]=$(awk '/ns-per-insn/ { print $2 }' <<<"$out")
  entry[$n]=$(awk '/smm-entries/ { print $5 }' <<<"$out")
  rss[$n]=$(awk '/peak-rss-mib/ { print $2 }' <<<"$out")
done
set -- $sizes
first=$1
last=${!#}
awk -v a="${insn[$first]}" -v b="${insn[$last]}" -v e0="${entry[$first]}" -v e1="${entry[$last]}" \
    -v n0="$first" -v n1="$last" -v r="${rss[$last]}" 'BEGIN {
  printf "  scale         ns per guest instruction at %d CPUs / at %d: %.2f (target 1.5)\n", n1, n0, b / a
  printf "  scale         ns per SMM entry at %d CPUs / at %d: %.2f (target 1.5)\n", n1, n0, e1 / e0
  printf "  scale         peak RSS at %d CPUs: %.0f MiB, ratio %.2f of the 1 GiB target\n", n1, r, r / 1024
}'

for n in ${SCALE_BATCHED_SIZES-4096}; do
  scn="$dir/plug-$((n - 1))-of-$n-in-batches.scn"
  {
    machine_line "$n"
    echo "budget 20000000000"
    echo boot
    for lo in $(seq 1 256 $((n - 1))); do
      hi=$((lo + 255)); [ $hi -gt $((n - 1)) ] && hi=$((n - 1))
      echo "device_add slot=$lo..$hi"
      echo "os cscn"
    done
    echo "os apm value=0"
    expect_all_relocated "$n"
  } >"$scn"
  "$build/smmhp" bench "$scn" --runs 1 --fw "$fw"
done
for n in ${SCALE_UNPLUG_SIZES-1024}; do
  half=$((n / 2))
  scn="$dir/unplug-$((n - half))-of-$n.scn"
  {
    machine_line "$n"
    echo "budget 20000000000"
    echo boot
    echo "device_add slot=1..$((n - 1))"
    echo "os cscn"
    echo "device_del slot=$half..$((n - 1))"
    echo "os cscn"
    echo "os cej0 slot=$half..$((n - 1))"
    echo "os apm value=0"
    expect_all_relocated "$half"
  } >"$scn"
  "$build/smmhp" bench "$scn" --runs 1 --fw "$fw"
done
