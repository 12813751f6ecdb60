#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lanes.sh N CMD KVER...: CMD KVER for every KVER, N at a time (each QEMU
# runs on one host thread, so N is the number of host cores it may use).
# Each run's output goes to LANES_DIR/KVER.log (default $BUILD/lanes) and is
# printed whole when it ends, so that lines of two kernels never interleave.
# Exits 1 if any run failed.
set -u

[ $# -ge 2 ] || { echo "usage: $0 N CMD KVER..." >&2; exit 2; }
n=$1 cmd=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$(cd "$here/../.." && pwd)/build}
logs=${LANES_DIR:-$build/lanes}
# Not for the commands run: a vm-run inside one has lanes of its own.
unset LANES_DIR
mkdir -p "$logs"

one() { # KVER
	local rc=0
	"$cmd" "$1" >"$logs/$1.log" 2>&1 || rc=$?
	echo $rc >"$logs/$1.rc"
	# One write, so that the lanes' outputs do not interleave.
	cat "$logs/$1.log"
}

for k in "$@"; do
	rm -f "$logs/$k.rc"
	while [ "$(jobs -rp | wc -l)" -ge "$n" ]; do
		wait -n
	done
	one "$k" &
done
wait
rc=0
for k in "$@"; do
	[ "$(cat "$logs/$k.rc" 2>/dev/null)" = 0 ] || rc=1
done
exit $rc
