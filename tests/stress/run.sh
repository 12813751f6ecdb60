#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh KVER...: the stress binary in the test VM of each kernel (see
# stress.mk).  Uses tests/vm/run.sh with its own build root, so that the
# results land in $BUILD/stress/vm/KVER and build/vm/ is left alone.
# Last line: "N passed, N failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-$top/build}
bin=${STRESS_BIN:-$build/stress/bin/ps_stress}
secs=${STRESS_SECONDS:-180}
threads=${STRESS_THREADS:-4}
cycles=${STRESS_MIN_CYCLES:-50}
root=$build/stress
passed=0 failed=0
[ -x "$bin" ] || { echo "stress: $bin not built (make stress-build)" >&2; exit 1; }

for k in "$@"; do
	# run.sh finds the modules under $BUILD/KVER/src: link them in.
	mkdir -p "$root"
	ln -sfn "$build/$k" "$root/$k"
	# The run may take 3 * secs (cycles not done yet), then the checks.
	tt=$((3 * secs + 900))
	echo "=== stress: $k: ${secs} s, $threads pinner threads, >= $cycles load/unload cycles"
	BUILD=$root VM_TEST_FILES=$bin VM_EXTRA_MODULES= \
		VM_TEST_TIMEOUT=${VM_TEST_TIMEOUT:-$tt} \
		VM_TIMEOUT=${VM_TIMEOUT:-$((tt + 900))} \
		VM_APPEND="ps_stress_seconds=$secs ps_stress_threads=$threads ps_stress_min_cycles=$cycles ${VM_APPEND:-}" \
		"$top/tests/vm/run.sh" "$k" >"$root/$k.log" 2>&1
	res=$root/vm/$k/results
	grep -a '# .*stress: \|final round\|kmemleak' "$root/vm/$k/tests.log" 2>/dev/null |
		sed 's/^# [^ ]*:[0-9]*:[a-z_]*:/  /'
	grep -a '^FAIL ' "$res" 2>/dev/null | sed 's/^/  /'
	p=$(grep -ac '^PASS ' "$res" 2>/dev/null)
	f=$(grep -ac '^FAIL ' "$res" 2>/dev/null)
	[ -s "$res" ] || f=1
	echo "  $k: passed ${p:-0}, failed ${f:-0} (details: $root/vm/$k)"
	passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0}))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
