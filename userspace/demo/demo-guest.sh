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
	sed -n '1s/^/  pinload: /p' "/tmp/$name.out"
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
echo "Who pinned them: the pinned pages grouped by the kernel stack of the"
echo "pin call (io_uring's buffer registration):"
show pinshadow pins --by stack
echo
echo "A process pins a THP buffer and forks: the kernel copies into the child"
echo "every page it believes pinned.  The audit checks each decision against"
echo "the exact counts (one line per run of pages; --raw for one per page):"
show pinload fork --pages 16 --thp
show pinshadow cow
echo
echo "The same fork decisions replayed under other copy policies:"
show pinshadow policies
echo
echo "Where the kernel's guess, folio_maybe_dma_pinned(), is wrong and why,"
echo "over every page of RAM:"
show pinshadow verdicts --all

kill $(jobs -p) 2>/dev/null
wait 2>/dev/null
# io_uring drops a ring's buffers from a worker after its process is gone:
# wait for that, 10 s at most, before saying anything about the books.
outstanding() { pinshadow status --stat pins_outstanding; }
i=0
while [ "$(outstanding)" != 0 ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
pinshadow status >/tmp/status.out 2>&1
rc=$?
echo
if [ "$(outstanding)" != 0 ]; then
	echo "All workloads stopped, yet $(outstanding) pins are still outstanding after 10 s."
	rc=1
elif [ $rc -ne 0 ]; then
	echo "All workloads stopped and every pin was released, but the self-check failed (exit $rc)."
else
	echo "All workloads stopped: every pin was released and the books balance."
fi
printf '\n$ pinshadow status | grep -E "^(pins|ledger|vmstat|self-check)"\n'
grep -E '^(pins|ledger|vmstat|self-check)' /tmp/status.out
exit $rc
