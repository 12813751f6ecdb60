#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the demo VM (tests/vm/init has loaded pinshadow): pin real
# memory with pinload, then show what pinshadow sees.  Plain output for a
# person; every command is echoed before its report.

show() {
	printf '\n$ %s\n' "$*"
	"$@"
}

# Starts a pinload scenario in the background and waits for its
# "holding" line, so the reports below see its pins.
hold() {
	name=$1
	shift
	pinload "$@" >"/tmp/$name.out" 2>&1 &
	i=0
	while ! grep -q holding "/tmp/$name.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "demo: pinload $* did not start"; cat "/tmp/$name.out"; return 1; }
		sleep 0.1
	done
	sed -n 's/^/  pinload: /p' "/tmp/$name.out" | head -n 3
}

echo "pinshadow demo on $(uname -r)"
echo "Starting workloads that pin memory:"
echo "  an io_uring server with 64 MiB of registered buffers (4 KiB pages),"
echo "  another with 16 MiB of THP-backed buffers,"
echo "  a process that vmsplices one page 1100 times (no pin, refcount > 1024)."
hold ring4k iouring --size 64M --hold 600 || exit 1
hold ringthp iouring --size 16M --thp --hold 600 || exit 1
hold splice vmsplice --count 1100 --hold 600 || exit 1

show pinshadow status
show pinshadow pins --sort count
echo
echo "A fork of a process whose buffers are pinned: the kernel must copy the"
echo "pinned pages into the child (and copies some it need not):"
show pinload fork --pages 16 --thp
show pinshadow cow
show pinshadow policies
echo
echo "The kernel's guess (folio_maybe_dma_pinned) against the exact counts,"
echo "over every page of RAM:"
echo "scan all" >/sys/kernel/debug/pinshadow/control
show pinshadow verdicts

kill $(jobs -p) 2>/dev/null
wait 2>/dev/null
echo
echo "All workloads stopped; pins left:"
show pinshadow status
exit 0
