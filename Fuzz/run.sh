#!/usr/bin/env bash
# Runs each fuzz target under libFuzzer (coverage-guided, with AddressSanitizer) for a bounded time.
#
#   Fuzz/run.sh [seconds per target, default 600] [target ...]   (targets: form basic id-token-hint config pages)
#
# Builds once into .build-fuzz (release, -sanitize=fuzzer,address). Each target starts from its kept
# corpus (Fuzz/Corpus/<target>), works in .build-fuzz/corpus/<target>, and writes any crasher to
# Fuzz/Crashers/<target>/, which `swift test` replays. FUZZ_MERGE=1 merges what raised coverage into
# the kept corpus. A summary line per target ends the run; the exit status is 1 if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(form basic id-token-hint config pages)
# lld: gold fails on the sanitized link with an internal error.
flags=(-c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld)
for target in "${targets[@]}"; do swift build "${flags[@]}" --product "fuzz-$target"; done
bin=$(swift build "${flags[@]}" --show-bin-path)
# Swift's own crash backtracer reads memory in a way AddressSanitizer reports: let libFuzzer report instead.
export SWIFT_BACKTRACE=enable=no
# And no leak check at exit either (see -detect_leaks below).
export ASAN_OPTIONS=detect_leaks=0
status=0
summary=()
for target in "${targets[@]}"; do
  work=.build-fuzz/corpus/$target
  mkdir -p "$work" "Fuzz/Crashers/$target"
  cp -n Fuzz/Corpus/"$target"/* "$work"/ 2>/dev/null || true
  log=.build-fuzz/fuzz-$target.log
  # -detect_leaks=0: LeakSanitizer reports the long-lived server fixture's Swift objects (reachable only
  # through references it does not follow) as leaks; AddressSanitizer still checks every access.
  if "$bin/fuzz-$target" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 -detect_leaks=0 \
      -artifact_prefix="Fuzz/Crashers/$target/" -print_final_stats=1 >"$log" 2>&1; then result=ok; else result=CRASH; status=1; fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  summary+=("$target: $result, $runs executions in ${seconds}s, coverage $coverage edges, corpus $(ls "$work" | wc -l) inputs")
  if [ "${FUZZ_MERGE:-0}" = 1 ]; then "$bin/fuzz-$target" -merge=1 "Fuzz/Corpus/$target" "$work" >/dev/null 2>&1 || true; fi
done
printf '%s\n' "${summary[@]}"
exit $status
