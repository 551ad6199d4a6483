#!/usr/bin/env bash
# `make coverage`: firmware line coverage of every scenario and of the
# matrix (docs/coverage.md). Each run writes an lcov tracefile into
# OUT/*.info; they are merged into OUT/total.info and rendered with
# genhtml into OUT/index.html. Prints the line coverage of the hot-plug
# driver's files and the lines no run reached.
# usage: ci/coverage.sh OUT SMMHP RELEASE FW_ELF FW_NOSMM_ELF OS_ELF SCENARIO_PATH...
# SCENARIO_ARGS: more tests/run_scenarios.py options (the Makefile passes
# --release-fw VERSION=ELF for the `# release:` scenarios).
# IA32_IMAGES: "FW_ELF FW_NOSMM_ELF OS_ELF" of the IA32 build: the matrix
# runs on it too (docs/ia32.md), into OUT/matrix-ia32.info.
set -uo pipefail
out=$1 smmhp=$2 rel=$3 fw=$4 fw_nosmm=$5 os=$6
shift 6
status=0

rm -rf "$out"
mkdir -p "$out"
echo "coverage: scenarios"
# shellcheck disable=SC2086 # SCENARIO_ARGS is a list of words
python3 tests/run_scenarios.py -j 2 --smmhp "$smmhp" --logs "$out/logs/scenarios" --coverage "$out" ${SCENARIO_ARGS:-} "$@" |
  tail -n 1 || status=1
if [ -n "$rel" ]; then
  echo "coverage: matrix (edk2 $rel)"
  "$smmhp" matrix --release "$rel" --fw "$fw" --fw-nosmm "$fw_nosmm" --os "$os" \
    --logs "$out/logs/matrix" --coverage "$out/matrix.info" | tail -n 1 || status=1
  if [ -n "${IA32_IMAGES:-}" ]; then
    read -r ia32_fw ia32_fw_nosmm ia32_os <<<"$IA32_IMAGES"
    echo "coverage: matrix (edk2 $rel, IA32 firmware)"
    "$smmhp" matrix --release "$rel" --fw "$ia32_fw" --fw-nosmm "$ia32_fw_nosmm" --os "$ia32_os" \
      --logs "$out/logs/matrix-ia32" --coverage "$out/matrix-ia32.info" | tail -n 1 || status=1
  fi
else
  echo "coverage: unknown edk2 release: matrix left out (set MATRIX_RELEASE)" >&2
  status=1
fi

infos=()
for f in "$out"/*.info; do
  [ -s "$f" ] && infos+=(-a "$f")
done
if [ "${#infos[@]}" -eq 0 ]; then
  echo "coverage: no tracefiles written" >&2
  exit 1
fi
lcov -q "${infos[@]}" -o "$out/total.info.tmp" && mv "$out/total.info.tmp" "$out/total.info" || exit 1
genhtml -q --ignore-errors source --title "smmhp firmware" -o "$out" "$out/total.info" || exit 1
echo "coverage: $((${#infos[@]} / 2)) tracefiles merged into $out/total.info, report $out/index.html"

# Per file, over all records (one per test name): lines hit / lines with
# code, and the lines no run reached.
awk -v want='/OvmfPkg/CpuHotplugSmm/(CpuHotplug|QemuCpuhp|Smbase)\\.c$' '
  /^SF:/ { file = ($0 ~ want) ? substr($0, 4) : ""; if (file != "" && !(file in seen)) { seen[file]; order[++nf] = file } }
  /^DA:/ && file != "" { split(substr($0, 4), d, ","); k = file SUBSEP d[1]
                         if (!(k in cnt)) { lines[file] = lines[file] " " d[1]; cnt[k] = 0 }
                         cnt[k] += d[2] }
  /^end_of_record/ { file = "" }
  END {
    for (f = 1; f <= nf; f++) {
      file = order[f]; n = split(lines[file], ls, " "); lf = lh = nz = 0
      for (i = 1; i <= n; i++) { lf++; if (cnt[file, ls[i]] > 0) lh++; else zero[++nz] = ls[i] + 0 }
      for (i = 2; i <= nz; i++) { v = zero[i]; for (j = i - 1; j >= 1 && zero[j] > v; j--) zero[j + 1] = zero[j]; zero[j + 1] = v }
      s = ""; m = 0
      for (i = 1; i <= nz; i++) {
        a = zero[i]; b = a
        while (i < nz && zero[i + 1] == b + 1) { i++; b++ }
        s = s (m++ ? "," : "") (a == b ? a : a "-" b)
      }
      name = file; sub(/.*\/OvmfPkg\//, "OvmfPkg/", name)
      printf "  %-36s %4d of %4d lines (%5.1f%%)  %s\n", name, lh, lf, lf ? 100 * lh / lf : 0, file
      printf "    never reached: %s\n", nz ? s : "none"
    }
  }
' "$out/total.info"
exit $status
