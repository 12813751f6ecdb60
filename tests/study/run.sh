#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh KERNEL...: `make study` on each kernel of the matrix (a name or
# a release), one boot each (tests/vm/script.sh runs guest.sh), then the
# rows of every kernel under one header: build/study/table.
#
# Environment: BUILD, VM_BINS (psstudy and the CLI's programs),
# STUDY_FILES (more files for the guest's /files: the real clients' test
# binaries), VM_OVERLAY, and qemu.sh's VM_* settings.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-$top/build}
out=$build/study
kernels=$top/tests/kernels/kernels.sh
[ $# -gt 0 ] || { echo "usage: $0 KERNEL..." >&2; exit 2; }

rc=0
: >"$out/rows"
for name in "$@"; do
	krel=$("$kernels" krels "$name")
	mkdir -p "$out/$krel"
	echo "$name" >"$out/$krel/kernel-name"
	echo "study: $name ($krel)" >&2
	# The suite's modules (rdma_rxe, ext4, ...) and its real clients'
	# tests as workloads, with the programs they drive (VM_OVERLAY).
	if ! SCRIPT_OUT=$out/$krel VM_TIMEOUT=${VM_TIMEOUT:-1800} \
		VM_EXTRA_MODULES=suite VM_FILES="$out/cow $out/$krel/kernel-name ${STUDY_FILES:-}" \
		"$top/tests/vm/script.sh" "$krel" "$here/guest.sh" >"$out/$krel/guest.out"; then
		echo "study: $name: the guest failed (see $out/$krel/)" >&2
		rc=1
	fi
	grep '^# ' "$out/$krel/guest.out" | sed "s/^# /study: $name: /" >&2 || true
	grep -E '^(head|row) ' "$out/$krel/guest.out" >>"$out/rows" || true
done

# One header (every kernel runs the same module), then the rows.
{
	grep -m1 '^head ' "$out/rows" | cut -d' ' -f2-
	grep '^row ' "$out/rows" | cut -d' ' -f2-
} | column -t >"$out/table"
cat "$out/table"
[ -s "$out/table" ] || { echo "study: no rows (see $out/)" >&2; rc=1; }
exit $rc
