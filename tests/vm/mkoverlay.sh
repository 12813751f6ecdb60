#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkoverlay.sh progs OUT.cpio.zst FILE...
#     the host's (bookworm's) FILEs with every shared library each loads
#     (ldd) and the dynamic loader.  A FILE in a bin or sbin directory goes
#     to the guest's /bin; any other (a library a program dlopen()s, a
#     config file) keeps its path.
# mkoverlay.sh progs-suite SUITE "PKG..." OUT.cpio.zst FILE...
#     the same from the build chroot of SUITE (tests/kernels/chroot.sh),
#     its PKGs installed there first if a FILE is missing: for a kernel of
#     another suite than the host's, e.g. trixie's bpftrace for 7.3
#     (fentry/fexit).  The chroot's own libc and loader come along; nothing
#     of the host's.
# mkoverlay.sh files OUT.cpio.zst SRC=DEST...
#     plain files, SRC copied to the guest's DEST with its mode.
#
# Each is a cpio archive appended to the VM runner's initramfs
# (mkinitramfs.sh's VM_OVERLAY, the suite's tools; tests/bench/run.sh, the
# benchmark's): the kernel unpacks concatenated archives in order, each
# with its own compression, into the same root.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

die() { echo "mkoverlay: $*" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage" "$stage.list"' EXIT
# The archive's "." sets the mode of the guest's /: mktemp's 0700 would
# let no user but root run a program (tests drop to uid 65534).
chmod 755 "$stage"

# Where FILE goes in the guest.
dest_of() {
	case $1 in
	*/bin/*|*/sbin/*) echo "/bin/${1##*/}" ;;
	*) echo "$1" ;;
	esac
}

# "FILE REAL" lines, in a root whose own ldd resolves the libraries: each
# FILE, each library it loads and the loader, with the path each resolves
# to (symlinks followed there, not on the host).  A FILE that is no ELF
# object (a config file) brings no library.
list_files() { # FILE...
	for f in "$@"; do
		echo "$f $(readlink -f "$f")"
		# "name => /path (addr)" or "/path (addr)"; the vDSO has none.
		ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
			$1 ~ /^\// { print $1 }' |
		while read -r lib; do echo "$lib $(readlink -f "$lib")"; done
	done
	echo "/lib64/ld-linux-x86-64.so.2 $(readlink -f /lib64/ld-linux-x86-64.so.2)"
}

# Copies the files of list_files' output, found under ROOT, into $stage.
put_listed() { # ROOT
	local path real dest
	while read -r path real; do
		dest=$(dest_of "$path")
		mkdir -p "$stage$(dirname "$dest")"
		cp "$1$real" "$stage$dest"
	done <"$stage.list"
}

pack() { # OUT
	mkdir -p "$(dirname "$1")"
	(cd "$stage" && find . | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) | zstd -q -3 -T0 -f -o "$1.tmp"
	mv "$1.tmp" "$1"
}

case ${1:-} in
progs)
	[ $# -ge 3 ] || die "usage: $0 progs OUT FILE..."
	out=$2
	shift 2
	for f in "$@"; do
		[ -e "$f" ] || die "$f missing: make deps (or make bench-deps)"
	done
	list_files "$@" >"$stage.list"
	put_listed ""
	[ -e "$stage/lib64/ld-linux-x86-64.so.2" ] || die "no dynamic loader"
	pack "$out"
	;;
progs-suite)
	[ $# -ge 5 ] || die "usage: $0 progs-suite SUITE \"PKG...\" OUT FILE..."
	suite=$2
	pkgs=$3
	out=$4
	shift 4
	chroot=$top/tests/kernels/chroot.sh
	cache=${PS_CACHE:-/var/cache/pinshadow}
	root=$("$chroot" "$suite")
	missing=
	for f in "$@"; do [ -e "$root$f" ] || missing=1; done
	if [ -n "$missing" ]; then
		echo "mkoverlay: installing $pkgs in the $suite chroot" >&2
		# kernels.sh's lock: one apt at a time in a chroot.
		# shellcheck disable=SC2086 # a list of packages
		flock "$cache/chroot/.$suite.apt.lock" "$chroot" "$suite" run \
			apt-get install -y -q --no-install-recommends -t "$suite-backports" \
			$pkgs >"$cache/chroot/$suite.overlay-apt.log" 2>&1 ||
			{ tail -n 20 "$cache/chroot/$suite.overlay-apt.log" >&2
			  die "apt-get install $pkgs failed in the $suite chroot"; }
	fi
	# list_files inside the chroot: its ldd, its symlinks.
	"$chroot" "$suite" run /bin/bash -c "$(declare -f list_files); list_files \"\$@\"" \
		list_files "$@" >"$stage.list"
	put_listed "$root"
	[ -e "$stage/lib64/ld-linux-x86-64.so.2" ] || die "no dynamic loader"
	pack "$out"
	;;
files)
	[ $# -ge 3 ] || die "usage: $0 files OUT SRC=DEST..."
	out=$2
	shift 2
	for pair in "$@"; do
		src=${pair%%=*}
		dest=${pair#*=}
		[ -f "$src" ] || die "$src missing"
		mkdir -p "$stage$(dirname "$dest")"
		cp -p "$src" "$stage$dest"
	done
	pack "$out"
	;;
*)
	die "usage: $0 progs OUT FILE... | progs-suite SUITE \"PKG...\" OUT FILE... | files OUT SRC=DEST..."
	;;
esac
