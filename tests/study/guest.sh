#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of `make study` (tests/study/run.sh runs it through
# tests/vm/script.sh): each workload from a clean slate (reset, the audit
# on, verdicts over all of RAM), "verdicts" sampled while it runs
# (psstudy sample keeps the moment with the most pages the kernel thinks
# pinned), then "policies" once it has ended and its pins are released.
# Prints psstudy's "head"/"row" lines and one "# NAME: ..." note each.
set -u

D=/sys/kernel/debug/pinshadow
kernel=$(cat /files/kernel-name 2>/dev/null || uname -r)
out=/tmp/study
mkdir -p "$out"

# Pins still held (io_uring releases its buffers after the ring is gone,
# from a worker): wait up to 10 s for none, as the tests do.
settle() {
	i=0
	while [ $i -lt 100 ]; do
		echo flush >"$D/control"
		held=$(pinshadow status --stat pinned_pages)
		[ "${held:-1}" = 0 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "# $1: $held pages still pinned after 10 s"
}

# workload NAME CMD...: one row of the table.
workload() {
	name=$1
	shift
	echo reset >"$D/control" && echo "audit on" >"$D/control" &&
		echo "scan all" >"$D/control" || { echo "# $name: control failed"; return; }
	psstudy sample "$out/$name.verdicts" &
	sampler=$!
	start=$(date +%s)
	"$@" >"$out/$name.log" 2>&1
	rc=$?
	kill -TERM $sampler
	wait $sampler
	settle "$name"
	cat "$D/policies" >"$out/$name.policies"
	psstudy row "$kernel" "$name" "$out/$name.policies" "$out/$name.verdicts"
	echo "# $name: exit $rc, $(($(date +%s) - start)) s"
	[ $rc -eq 0 ] || tail -n 5 "$out/$name.log" | sed 's/^/#   /'
}

# The kernel's own COW selftest (tools/testing/selftests/mm/cow.c):
# fork, vmsplice, io_uring and GUP pins on anon, THP and hugetlb memory.
workload cow /files/cow
# The real clients of the suite, through its tests (each resets pinshadow
# when it starts): ibv_rc_pingpong over soft-RoCE (ib_umem_get's long-term
# pins), fio with io_uring fixed buffers and O_DIRECT on ext4.
workload rdma /files/pin_rdma
workload fio /files/pin_fio
# pinshadow's own workloads, for comparison: 512 order-0 pages and one THP
# pinned through io_uring, forked; a page that only looks pinned.
workload fork-4k pinload fork --pages 512 --children 4 --hold 3
workload fork-thp pinload fork --pages 512 --thp --children 4 --hold 3
workload vmsplice pinload vmsplice --count 1100 --hold 2
