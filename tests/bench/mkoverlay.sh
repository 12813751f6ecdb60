#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkoverlay.sh tools OUT.cpio.zst
#     bpftrace and perf with every shared library they load (ldd) and the
#     dynamic loader, for the benchmark guest: the host's (bookworm's).
# mkoverlay.sh tools-suite SUITE OUT.cpio.zst
#     the same from the build chroot of SUITE (tests/kernels/chroot.sh),
#     installed there first if missing: for a kernel of another suite than
#     the host's, e.g. trixie's bpftrace for 7.3 (fentry/fexit).  The
#     chroot's own libc and loader come along; nothing of the host's.
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
tools-suite)
	[ $# -eq 3 ] || die "usage: $0 tools-suite SUITE OUT"
	suite=$2
	out=$3
	chroot=$top/tests/kernels/chroot.sh
	cache=${PS_CACHE:-/var/cache/pinshadow}
	root=$("$chroot" "$suite")
	if [ ! -x "$root/usr/bin/bpftrace" ] || [ ! -x "$root/usr/bin/perf" ]; then
		echo "mkoverlay: installing bpftrace and linux-perf in the $suite chroot" >&2
		# kernels.sh's lock: one apt at a time in a chroot.
		flock "$cache/chroot/.$suite.apt.lock" "$chroot" "$suite" run \
			apt-get install -y -q --no-install-recommends -t "$suite-backports" \
			bpftrace linux-perf \
			>"$cache/chroot/$suite.bench-apt.log" 2>&1 ||
			{ tail -n 20 "$cache/chroot/$suite.bench-apt.log" >&2
			  die "apt-get install bpftrace linux-perf failed in the $suite chroot"; }
	fi
	# Inside the chroot: each file the guest needs and what it resolves
	# to there (its symlinks point inside the chroot, not at the host).
	"$chroot" "$suite" run /bin/sh -c '
		for prog in /usr/bin/bpftrace /usr/bin/perf; do
			echo "$prog $(readlink -f "$prog")"
			ldd "$prog" | awk '\''$2 == "=>" && $3 ~ /^\// { print $3 }
				$1 ~ /^\// { print $1 }'\'' |
			while read -r lib; do echo "$lib $(readlink -f "$lib")"; done
		done
		echo "/lib64/ld-linux-x86-64.so.2 $(readlink -f /lib64/ld-linux-x86-64.so.2)"
	' >"$stage.list"
	mkdir -p "$stage/bin"
	while read -r path real; do
		case $path in /usr/bin/*) path=/bin/${path##*/} ;; esac
		mkdir -p "$stage$(dirname "$path")"
		cp "$root$real" "$stage$path"
	done <"$stage.list"
	rm -f "$stage.list"
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
	die "usage: $0 tools OUT | tools-suite SUITE OUT | bench KVER OUT"
	;;
esac
