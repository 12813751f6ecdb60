#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KVER OUT.cpio.gz
#
# The guest's whole root file system for one kernel of the matrix
# (tests/kernels/kernels.sh): static busybox, the pinshadow modules built for
# KVER, the in-tree modules the tests use (from the kernel cache), every test
# binary and tests/vm/init.
#
# Environment:
#   BUILD              build directory (default: TOP/build)
#   VM_TEST_FILES      the tests (binaries or scripts), as paths
#   VM_TESTS_DIR       without VM_TEST_FILES: every executable here
#                      (default: $BUILD/tests/bin)
#   VM_TESTS           only the tests of these names (default: all)
#   VM_BINS            programs the tests call, installed in the guest's /bin
#   VM_EXTRA_MODULES   in-tree modules to load (default: null_blk udmabuf
#                      ext4 crc32c_generic veth crc32_generic ib_uverbs
#                      rdma_rxe).  ext4 and rdma_rxe of 6.1 and 6.12 ask
#                      the crypto API for crc32c and crc32, which no
#                      dependency brings (7.3 has them as library code);
#                      7.3's rdma_rxe does not depend on ib_uverbs, which
#                      programs need.  The word "suite" stands for that
#                      default list (tests/study/run.sh: the suite's
#                      modules in a script's guest)
#   VM_FILES           more files, copied into the guest's /files
#   VM_OVERLAY         archives appended as they are (mkoverlay.sh): the
#                      Debian programs the tests drive
set -eu

[ $# -eq 2 ] || { echo "usage: $0 KVER OUT.cpio.gz" >&2; exit 2; }
kver=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-$top/build}
tests_dir=${VM_TESTS_DIR:-$build/tests/bin}
moddir=$("$top/tests/kernels/kernels.sh" get "$kver" moddir)
busybox=/bin/busybox

die() { echo "mkinitramfs: $*" >&2; exit 1; }

# A dynamically linked busybox (package busybox, not busybox-static) would
# find no libc in the guest.
is_static() { ! readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'; }
[ -x $busybox ] && is_static $busybox ||
	die "$busybox missing or not static: apt-get install busybox-static"

stage=$(mktemp -d)
# mktemp's 0700 would become the guest's /: no user but root could run a
# program (the tests that drop to uid 65534 do).
chmod 755 "$stage"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,usr,lib/pinshadow,lib/modules-extra,tests,files}
ln -s bin "$stage/sbin"
ln -s ../bin "$stage/usr/bin"
ln -s ../bin "$stage/usr/sbin"
# The kernel opens /dev/console for init before devtmpfs is mounted.
mknod "$stage/dev/console" c 5 1 2>/dev/null || true

cp $busybox "$stage/bin/busybox"
for applet in $($busybox --list); do
	[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
install -m 755 "$here/init" "$stage/init"

for ko in module/pinshadow.ko tests/helper/pinshadow_test_helper.ko; do
	[ -f "$build/$kver/src/$ko" ] || die "$build/$kver/src/$ko missing: make modules-all"
	cp "$build/$kver/src/$ko" "$stage/lib/pinshadow/"
done
# Built only for kernels with KUnit (the debug kernel).
kunit_ko=$build/$kver/src/tests/kunit/pinshadow_kunit.ko
[ ! -f "$kunit_ko" ] || cp "$kunit_ko" "$stage/lib/pinshadow/"

# Extra in-tree modules, with their dependencies first (modules.dep lists a
# module's direct and indirect dependencies; we order them ourselves).
[ -f "$moddir/modules.dep" ] || die "$moddir/modules.dep missing"
ordered=()
add_module() { # path relative to $moddir, as modules.dep spells it
	local seen dep
	for seen in "${ordered[@]}"; do [ "$seen" = "$1" ] && return; done
	for dep in $(awk -F': *' -v p="$1" '$1 == p { print $2 }' "$moddir/modules.dep"); do
		add_module "$dep"
	done
	ordered+=("$1")
}
# Built-in code that declares module info (even a bool option such as
# UDMABUF, which modules.builtin leaves out) is in modules.builtin.modinfo.
# A kernel without the file (built without modules) has none built in; the
# test comes first: "<file 2>/dev/null" would report the missing file
# before the 2>/dev/null is in place.
is_builtin() {
	[ -f "$moddir/modules.builtin.modinfo" ] &&
		tr '\0' '\n' <"$moddir/modules.builtin.modinfo" | grep -q "^$1\."
}
suite_modules="null_blk udmabuf ext4 crc32c_generic veth crc32_generic ib_uverbs rdma_rxe"
extra_modules=" ${VM_EXTRA_MODULES-$suite_modules} "
extra_modules=${extra_modules// suite / $suite_modules }
for name in $extra_modules; do
	# File names may use '-' where the module name has '_'.
	path=$(awk -F: -v n="$name" '{ f = $1; sub(/.*\//, "", f); sub(/\.ko.*/, "", f);
		gsub(/-/, "_", f); if (f == n) { print $1; exit } }' "$moddir/modules.dep")
	if [ -n "$path" ]; then
		add_module "$path"
	elif is_builtin "$name"; then
		echo "mkinitramfs: $kver: $name is built in"
	else
		echo "mkinitramfs: $kver: $name not available"
	fi
done
# The guest's busybox insmod wants plain .ko files: decompress here.
: >"$stage/lib/modules-extra/list"
for path in "${ordered[@]}"; do
	base=$(basename "$path")
	ko=${base%%.ko*}.ko
	case $base in
	*.ko.xz) xz -dc "$moddir/$path" ;;
	*.ko.zst) zstd -qdc "$moddir/$path" ;;
	*.ko.gz) gzip -dc "$moddir/$path" ;;
	*) cat "$moddir/$path" ;;
	esac >"$stage/lib/modules-extra/$ko"
	echo "$ko" >>"$stage/lib/modules-extra/list"
done

# Tools the tests call, on the guest's PATH (replacing an applet of that name).
# One not built fails the tests that call it, not the whole run.
for f in ${VM_BINS:-}; do
	[ -f "$f" ] || { echo "mkinitramfs: warning: $f missing (VM_BINS)" >&2; continue; }
	rm -f "$stage/bin/${f##*/}"
	install -m 755 "$f" "$stage/bin/"
done

for f in ${VM_FILES:-}; do
	[ -e "$f" ] || die "$f missing (VM_FILES)"
	cp -r "$f" "$stage/files/"
done

# The tests: VM_TEST_FILES, else every executable in VM_TESTS_DIR; VM_TESTS
# narrows either down by name.  One not built is left out here and reported
# by run.sh.
if [ -n "${VM_TEST_FILES:-}" ]; then
	read -ra tests <<<"$VM_TEST_FILES"
else
	tests=()
	for t in "$tests_dir"/*; do
		[ -f "$t" ] && [ -x "$t" ] && tests+=("$t")
	done
fi
ntests=0
for t in "${tests[@]}"; do
	name=${t##*/}
	[ -z "${VM_TESTS:-}" ] || [[ " $VM_TESTS " == *" $name "* ]] || continue
	[ -f "$t" ] || continue
	is_static "$t" || echo "mkinitramfs: warning: $name is not static: it cannot run in the guest" >&2
	install -m 755 "$t" "$stage/tests/"
	ntests=$((ntests + 1))
done
extra=none
[ -s "$stage/lib/modules-extra/list" ] &&
	extra=$(tr '\n' ' ' <"$stage/lib/modules-extra/list")
echo "mkinitramfs: $kver: $ntests test binaries, extra modules: $extra"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
	gzip -1 >"$out.tmp"
for f in ${VM_OVERLAY:-}; do
	[ -f "$f" ] || die "$f missing (VM_OVERLAY)"
	cat "$f" >>"$out.tmp"
done
mv "$out.tmp" "$out"
