#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkoverlay.sh tools OUT.cpio.zst
#     bpftrace and perf with every shared library they load (ldd) and the
#     dynamic loader, for the benchmark guest.  Kernel independent.
# mkoverlay.sh bench KVER OUT.cpio.zst
#     the benchmark's own files: pinshadow_bench.ko for KVER, psbench, the
#     bpftrace peer scripts and guest.sh as /tests/bench.
#
# Each is a cpio archive that run.sh appends to the VM runner's initramfs
# (tests/vm/mkinitramfs.sh): the kernel unpacks concatenated archives in
# order, each with its own compression, into the same root.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-$top/build}

die() { echo "mkoverlay: $*" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# Copy a file to the same path under $stage, following symlinks.
put() {
	mkdir -p "$stage$(dirname "$1")"
	cp -L "$1" "$stage$1"
}

pack() { # OUT
	mkdir -p "$(dirname "$1")"
	(cd "$stage" && find . | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) | zstd -q -3 -T0 -f -o "$1.tmp"
	mv "$1.tmp" "$1"
}

case ${1:-} in
tools)
	[ $# -eq 2 ] || die "usage: $0 tools OUT"
	out=$2
	mkdir -p "$stage/bin"
	for prog in /usr/bin/bpftrace /usr/bin/perf; do
		[ -x "$prog" ] || die "$prog missing: make bench-deps"
		cp -L "$prog" "$stage/bin/"
		# "name => /path (addr)" or "/path (addr)"; the vDSO has none.
		ldd "$prog" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
			$1 ~ /^\// { print $1 }' |
		while read -r lib; do
			put "$lib"
		done
	done
	# The loader is found by its absolute path, PT_INTERP.
	[ -e "$stage/lib64/ld-linux-x86-64.so.2" ] || die "no dynamic loader"
	pack "$out"
	;;
bench)
	[ $# -eq 3 ] || die "usage: $0 bench KVER OUT"
	kver=$2
	out=$3
	ko=$build/bench/$kver/kmod/pinshadow_bench.ko
	[ -f "$ko" ] || die "$ko missing: make bench"
	[ -x "$build/bench/psbench" ] || die "$build/bench/psbench missing: make bench"
	mkdir -p "$stage/bin" "$stage/lib/pinshadow-bench" "$stage/tests"
	cp "$ko" "$stage/lib/pinshadow-bench/"
	cp "$build/bench/psbench" "$stage/bin/"
	cp "$here/peer.bt" "$here/peer-kprobe.bt" "$stage/lib/pinshadow-bench/"
	install -m 755 "$here/guest.sh" "$stage/tests/bench"
	pack "$out"
	;;
*)
	die "usage: $0 tools OUT | bench KVER OUT"
	;;
esac
