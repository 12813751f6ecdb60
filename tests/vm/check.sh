#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: deps, the kernels of the matrix (fetched, or built into the
# kernel cache in the background: tests/kernels/), lint, builds, host
# tests, then for every kernel its VM suite and a bounded stress, two
# kernels at a time.  Every part runs even when an earlier one failed,
# and the last line is always the count:
#
#   N passed, N failed[, N skipped]
#
# Each lint step (a prerequisite of "lint") counts as one test; a build step
# (deps, kernels, modules-all, tests, userspace, host-test) counts only when it fails; host-test
# adds its own counts when it prints them; each kernel adds its summary.
# The Debian packages: building them and lintian count as one test each,
# and pkg-test-run (tests/pkg/pkg-test.sh) and pkg-vm-test
# (tests/pkg/vm-load.sh) add their own counts.
#
# Called from vm.mk with MAKE and BUILD set; exits non-zero on any failure.
set -u # not -e: a failing step is counted, never the end of the run

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-$top/build}
make=${MAKE:-make}
passed=0 failed=0 skipped=0
failures=()

mk() { $make --no-print-directory -C "$top" "$@"; }

pass() { passed=$((passed + 1)); echo "PASS host $1"; }
fail() { failed=$((failed + 1)); failures+=("FAIL host $1"); echo "FAIL host $1"; }

# step NAME test|build MAKE-ARGS...
step() {
	local name=$1 kind=$2
	shift 2
	echo "=== check: $name"
	if mk "$@"; then
		[ "$kind" = test ] && pass "$name"
	else
		fail "$name"
	fi
	return 0
}

# host-test's own counts: a last "N passed, N failed[, N skipped]" line, or
# else the sum of kselftest "# Totals:" lines; else one test by exit status.
host_test() {
	local log=$build/host-test.log rc counts p f s
	echo "=== check: host-test"
	mkdir -p "$build"
	mk host-test 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	counts=$(sed -nE 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\2 \3 \5/p' "$log" | tail -n1)
	if [ -z "$counts" ]; then
		counts=$(awk '/^# Totals: / { for (i = 3; i <= NF; i++) { split($i, kv, ":"); n[kv[1]] += kv[2] } ; seen = 1 }
			END { if (seen) print n["pass"] + n["xfail"] + n["xpass"], n["fail"] + n["error"], n["skip"] }' "$log")
	fi
	if [ -n "$counts" ]; then
		read -r p f s <<<"$counts"
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
		echo "host-test: passed $p, failed $f, skipped ${s:-0}"
		[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || fail "host-test (exit $rc)"
		[ "$f" -eq 0 ] || failures+=("FAIL host host-test ($f failed: see $log)")
	elif [ "$rc" -eq 0 ]; then
		pass host-test
	else
		fail "host-test (exit $rc)"
	fi
}

# The packages installed, built by DKMS, used and purged in a throwaway
# overlay of the chroot: pkg-test.sh's "PASS pkg"/"FAIL pkg" lines and its
# last line, "pkg-test: N passed, N failed".
pkg_test() {
	local log=$build/pkg-test.log rc counts p f
	echo "=== check: pkg-test"
	if [ ! -f "$build/pkg/pinshadow_$(cat "$top/VERSION")_amd64.changes" ]; then
		fail "pkg-test (no packages: see pkg:build)"
		return 0
	fi
	mk pkg-test-run 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	counts=$(sed -nE 's/^pkg-test: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$log" | tail -n1)
	if [ -z "$counts" ]; then
		fail "pkg-test (exit $rc, no result: see $log)"
		return 0
	fi
	read -r p f <<<"$counts"
	passed=$((passed + p)) failed=$((failed + f))
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || fail "pkg-test (exit $rc)"
	while IFS= read -r l; do failures+=("$l"); done < <(grep '^FAIL pkg ' "$log")
}

# The modules DKMS built in pkg-test, each loaded in a VM of its kernel and
# used by the package's CLI (tests/pkg/vm-load.sh): its "PASS pkg-vm" and
# "FAIL pkg-vm" lines.
pkg_vm_test() {
	local log=$build/pkg-vm-test.log rc p f
	echo "=== check: pkg-vm-test"
	mk pkg-vm-test 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^PASS pkg-vm ' "$log")
	f=$(grep -c '^FAIL pkg-vm ' "$log")
	passed=$((passed + p)) failed=$((failed + f))
	while IFS= read -r l; do failures+=("$l"); done < <(grep '^FAIL pkg-vm ' "$log")
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || fail "pkg-vm-test (exit $rc: see $log)"
}

# The VM suite of one kernel, then its bounded stress: one lane's job
# (check.sh --kernel KVER, run by lanes.sh).  make stress on one kernel,
# bounded for CI: CHECK_STRESS_SECONDS of load (60 by default; 0 skips
# it) and at least CHECK_STRESS_MIN_CYCLES load/unload cycles (10), at most
# three times as long.  `make stress` alone keeps the full 180 s and 50
# cycles.
#
# K is a release, or the name of a kernel built from source: the lane waits
# for its build (kernels.sh holds the name's lock while building) and
# records the release in $build/check-krel/K for the counting.
kernel_job() { # K
	local secs=${CHECK_STRESS_SECONDS:-60} cycles=${CHECK_STRESS_MIN_CYCLES:-10} k
	if [ "$("$top/tests/kernels/kernels.sh" how "$1" | cut -d' ' -f2)" = src ]; then
		renice -n "$crit_nice" -p $$ >/dev/null 2>&1 || true
	fi
	mkdir -p "$build/check-krel"
	rm -f "$build/check-krel/$1"
	if ! k=$("$top/tests/kernels/kernels.sh" krels "$1") ||
		! mk modules-all KVERS="$k"; then
		echo "=== check: $1: no kernel or no module (see above)"
		return 0
	fi
	echo "$k" >"$build/check-krel/$1"
	echo "=== check: vm-test $k"
	rm -f "$build/vm/$k/summary"
	mk vm-run KVER="$k" VM_LANES=1
	echo "vm-run exit $?" >"$build/vm/$k.rc"
	[ "$secs" -gt 0 ] || return 0
	echo "=== check: stress $k"
	# KASAN, lockdep and PREEMPT_RT under TCG: a load/unload cycle under
	# load takes about a minute there (4 in 230 s in a fresh make check).
	if [ "$("$top/tests/kernels/kernels.sh" get "$k" flavour)" = debug ]; then
		secs=$((secs * 3 / 2)) cycles=3
	fi
	mk stress KVER="$k" STRESS_SECONDS="$secs" \
		STRESS_MIN_CYCLES="$cycles" >"$build/stress-$k.log" 2>&1
	cat "$build/stress-$k.log"
}

# What one kernel's job counted.
count_vm() { # KVER
	local sum=$build/vm/$1/summary p f s
	if [ -f "$sum" ]; then
		p=$(awk '$1 == "passed" { print $2 }' "$sum")
		f=$(awk '$1 == "failed" { print $2 }' "$sum")
		s=$(awk '$1 == "skipped" { print $2 }' "$sum")
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
		[ "$f" -gt 0 ] || grep -q 'exit 0$' "$build/vm/$1.rc" ||
			fail "vm:$1 ($(cat "$build/vm/$1.rc"))"
	else
		fail "vm:$1 (no summary: see $build/check-lanes/$1.log)"
	fi
}

count_stress() { # KVER
	local log=$build/stress-$1.log counts p f
	counts=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$log" 2>/dev/null | tail -n1)
	if [ -n "$counts" ]; then
		read -r p f <<<"$counts"
		passed=$((passed + p)) failed=$((failed + f))
		[ "$f" -eq 0 ] || failures+=("FAIL stress $1 ($f failed: see $log)")
	else
		fail "stress:$1 (no result: see $log)"
	fi
}

# What make check must leave as it found it: the host's kernels, modules and
# apt sources (kernels are cache data, tests/kernels/).  One line per file.
host_state() {
	find /boot /lib/modules /usr/lib/modules /etc/apt/sources.list \
		/etc/apt/sources.list.d -xdev 2>/dev/null | LC_ALL=C sort |
		while IFS= read -r f; do
			if [ -f "$f" ] && [ ! -L "$f" ]; then
				echo "$f $(stat -c %s "$f") $(cksum <"$f" | cut -d' ' -f1)"
			else
				echo "$f $(stat -c %F "$f") $(readlink "$f")"
			fi
		done
}

# What runs on the critical path (the kernels built from source, then their
# VM jobs) gets this nice value; everything else keeps the caller's.
crit_nice=${CHECK_CRIT_NICE:--5}

if [ "${1:-}" = --kernel ]; then
	kernel_job "$2"
	exit 0
fi

start=$(date +%s)
stress_secs=${CHECK_STRESS_SECONDS:-60}
mkdir -p "$build"
host_state >"$build/host-before"
step deps build deps
# The kernels to test, and how each comes into the cache.  The ones built
# from source (the debug kernel, half an hour) build in the background
# from here on, beside everything up to the VM suites; the lane that tests
# one waits for it.  The others are fetched now.
mk -s vm-how >"$build/kernels-how" || fail "kernels (KVERS names no kernel of the matrix)"
deb=$(awk '$2 != "src" { print $1 }' "$build/kernels-how" | tr '\n' ' ')
src=$(awk '$2 == "src" { print $1 }' "$build/kernels-how" | tr '\n' ' ')
src_pid=
if [ -n "$src" ]; then
	echo "=== check: kernels built from source, in the background: $src(log: $build/kernels-src.log)"
	rm -f "$build/kernels-src.rc"
	# The build and the debug kernel's job are the critical path: they run
	# at a higher priority than the rest (root may; else all run alike).
	# shellcheck disable=SC2086 # one argument per kernel
	{ nice -n "$crit_nice" "$top/tests/kernels/kernels.sh" krels $src; echo $? >"$build/kernels-src.rc"; } \
		>"$build/kernels-src.log" 2>&1 &
	src_pid=$!
fi
[ -z "$deb" ] || step kernels build kernels KVERS="$deb"

# The prerequisites of "lint", each counted on its own.
step lint:style test style
[ -z "$deb" ] || step lint:sparse test sparse KVERS="$deb"

[ -z "$deb" ] || step build:modules-all build -k modules-all KVERS="$deb"
step build:tests build -k tests
step build:userspace build -k userspace
step build:vm-overlay build vm-overlay
if [ "$stress_secs" -gt 0 ]; then
	step build:stress build -k stress-build
fi
host_test

step pkg:build test pkg
step pkg:lintian test pkg-lintian
pkg_test
pkg_vm_test

# shellcheck disable=SC2086 # one word per kernel
kvers=$([ -z "$deb" ] || mk -s vm-kvers KVERS="$deb")
[ -n "$kvers$src" ] || fail "vm (no kernel in the matrix)"
# The kernels built from source first: one lane waits for the build, then
# runs the longest job (KASAN, lockdep); the other lane takes the rest.
ordered="$src $kvers"
echo "=== check: VM suites and stress on: $(echo $ordered), ${CHECK_LANES:-2} at a time"
# shellcheck disable=SC2086 # one argument per kernel
BUILD=$build LANES_DIR=$build/check-lanes "$here/lanes.sh" "${CHECK_LANES:-2}" "$here/check-kernel.sh" $ordered
if [ -n "$src_pid" ]; then
	wait "$src_pid"
	[ "$(cat "$build/kernels-src.rc" 2>/dev/null)" = 0 ] ||
		fail "kernels: $src(see $build/kernels-src.log)"
fi
for k in $ordered; do
	if [ ! -f "$build/check-krel/$k" ]; then
		fail "vm:$k (no kernel or module: see $build/check-lanes/$k.log)"
		continue
	fi
	k=$(cat "$build/check-krel/$k")
	count_vm "$k"
	[ "$stress_secs" -eq 0 ] || count_stress "$k"
done

host_state >"$build/host-after"
if cmp -s "$build/host-before" "$build/host-after"; then
	pass host:unchanged
else
	fail "host:unchanged (/boot, /lib/modules or apt sources changed: diff $build/host-before $build/host-after)"
	diff "$build/host-before" "$build/host-after" | head -n 20
fi

# Every failure again, where a CI log is read: at its end.
echo "=== check: done in $(( $(date +%s) - start )) s"
{
	printf '%s\n' "${failures[@]}"
	for k in $ordered; do
		k=$(cat "$build/check-krel/$k" 2>/dev/null) &&
			grep -h '^FAIL ' "$build/vm/$k/results" 2>/dev/null
	done
} | grep . || true
line="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
