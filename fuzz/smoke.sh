#!/usr/bin/env bash
# make fuzz-smoke: the fuzzer must rediscover a planted bug (B4 pre-fix:
# `mutate call SendSmiIpi in SmbaseRelocate`) from a seed corpus that runs
# clean with the bug planted, within a fixed number of executions and a
# fixed fuzzer seed; the reproducer it writes must replay with `smmhp run`.
# usage: smoke.sh FUZZ_BINARY SMMHP OUTDIR RUNS SEED
# FUZZ_BINARY is the libFuzzer target or smmhp-fuzz-standalone (then its
# deterministic --search stands in for libFuzzer).
set -euo pipefail
bin=$1 smmhp=$2 out=$3 runs=$4 seed=$5
export SMMHP_FUZZ_MUTATION="call SendSmiIpi in SmbaseRelocate"
rm -rf "$out" && mkdir -p "$out/corpus"
start=$(date +%s)
standalone=0
case "$bin" in *standalone*) standalone=1 ;; esac

# 1. the seed corpus runs clean with the bug planted
if [ $standalone = 1 ]; then
  SMMHP_FUZZ_REPRO="$out/corpus-failure.scn" "$bin" fuzz/corpus >"$out/corpus.log" 2>&1 || rc=$?
else
  SMMHP_FUZZ_REPRO="$out/corpus-failure.scn" "$bin" -runs=0 -artifact_prefix="$out/" fuzz/corpus >"$out/corpus.log" 2>&1 || rc=$?
fi
if [ "${rc:-0}" != 0 ] || [ -e "$out/corpus-failure.scn" ]; then
  echo "fuzz-smoke: FAIL: the seed corpus does not run clean with the planted bug ($out/corpus.log)" >&2
  exit 1
fi
echo "fuzz-smoke: seed corpus ($(ls fuzz/corpus | wc -l) inputs) runs clean with: mutate $SMMHP_FUZZ_MUTATION"

# 2. fuzz with a fixed seed and execution budget: it must fail (find the bug)
cp fuzz/corpus/* "$out/corpus/"
rc=0
if [ $standalone = 1 ]; then
  SMMHP_FUZZ_REPRO="$out/repro.scn" "$bin" --search "$runs" --seed "$seed" "$out/corpus" >"$out/fuzz.log" 2>&1 || rc=$?
else
  SMMHP_FUZZ_REPRO="$out/repro.scn" "$bin" -seed="$seed" -runs="$runs" -max_len=49 \
    -artifact_prefix="$out/" "$out/corpus" >"$out/fuzz.log" 2>&1 || rc=$?
fi
if [ $rc = 0 ] || [ ! -e "$out/repro.scn" ]; then
  echo "fuzz-smoke: FAIL: planted bug not found in $runs executions (seed $seed; $out/fuzz.log)" >&2
  exit 1
fi
execs=$(sed -n 's/.*after \([0-9]*\) executions.*/\1/p' "$out/fuzz.log" | head -1)

# 3. it is the planted bug: the monarch hangs in SmbaseRelocate
if ! grep -q "^expect hang .*at=SmbaseRelocate" "$out/repro.scn"; then
  echo "fuzz-smoke: FAIL: found something else ($out/repro.scn)" >&2
  exit 1
fi

# 4. the reproducer replays the failure with smmhp run
if ! "$smmhp" run "$out/repro.scn" --quiet >"$out/replay.log" 2>&1 || ! grep -q "^verdict hang" "$out/replay.log"; then
  echo "fuzz-smoke: FAIL: $out/repro.scn does not replay ($out/replay.log)" >&2
  exit 1
fi
echo "fuzz-smoke: planted bug found after $execs executions (seed $seed, limit $runs, $(basename "$bin"));" \
  "reproducer $out/repro.scn replays with smmhp run; $(( $(date +%s) - start )) s"
