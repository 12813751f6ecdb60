#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pkg-test.sh PKGDIR KREL...
#
# The Debian packages in PKGDIR as a user meets them, in a throwaway
# overlay of each kernel's chroot (tests/kernels/chroot.sh): the chroot is
# shared cache, so everything written goes to the overlay and is dropped.
# There: install pinshadow-dkms and pinshadow with apt (DKMS comes with
# them and builds the module for every kernel whose headers are there),
# check what DKMS built for each KREL, run the packaged CLI, then purge
# both packages and check that nothing of them is left.
#
# One "PASS pkg NAME" or "FAIL pkg NAME: why" line per check, then
# "pkg-test: N passed, N failed".  The modules DKMS built are kept in
# PKGDIR/ko/KREL/pinshadow.ko, for a VM to load; logs in PKGDIR/test/.
set -eu
shopt -s inherit_errexit

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${PS_CACHE:-/var/cache/pinshadow}
kernels=$top/tests/kernels/kernels.sh

die() { echo "pkg-test: $*" >&2; exit 2; }

[ $# -ge 2 ] || die "usage: $0 PKGDIR KREL..."
[ "$(id -u)" -eq 0 ] || die "needs root (chroot, mounts)"
pkgdir=$(cd "$1" && pwd)
shift
version=$(cat "$top/VERSION")
logs=$pkgdir/test
passed=0 failed=0

pass() { passed=$((passed + 1)); echo "PASS pkg $1"; }
fail() { failed=$((failed + 1)); echo "FAIL pkg $1: $2"; }

# check NAME CMD...: one test, by CMD's exit status; its output in the log.
# A background subshell, so that set -e holds inside CMD (a condition of
# if or || would turn it off there).
check() {
	local name=$1 log rc=0
	shift
	log=$logs/$(echo "$name" | tr -c 'A-Za-z0-9.+_\n-' _).log
	("$@") >"$log" 2>&1 &
	wait $! || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "$(tail -n 3 "$log" | tr '\n' ' ')(log: $log)"
	fi
}

# inside CMD...: CMD in the overlay, with the environment chroot.sh gives.
inside() {
	chroot "$merged" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# Inside a private mount namespace (see the end): one suite's kernels.
suite_test() { # SUITE TMP KREL...
	local suite=$1 tmp=$2 lower k t0 t1
	shift 2
	lower=$cache/chroot/$suite
	merged=$tmp/root upper=$tmp/upper
	mkdir -p "$upper" "$tmp/work" "$merged" "$cache/tmp/pkg-apt-archives"
	mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$tmp/work" "$merged"
	mount -t proc proc "$merged/proc"
	mount --rbind /dev "$merged/dev"
	mkdir -p "$merged/pkg"
	mount --bind -o ro "$pkgdir" "$merged/pkg"
	# Downloads (dkms and what it needs) kept from one run to the next.
	mount --bind "$cache/tmp/pkg-apt-archives" "$merged/var/cache/apt/archives"

	check "$suite:apt-update" inside apt-get update -q
	t0=$(date +%s)
	check "$suite:install" inside apt-get install -y -q --no-install-recommends \
		/pkg/pinshadow-dkms_"${version}"_all.deb /pkg/pinshadow_"${version}"_amd64.deb
	t1=$(date +%s)
	echo "pkg-test: $suite: apt-get install, DKMS builds included, took $((t1 - t0)) s"
	for k in "$@"; do
		check "$k:dkms-installed" dkms_installed "$k"
		check "$k:vermagic" built_module "$k"
	done
	check "$suite:no-test-modules" no_test_modules
	check "$suite:cli-version" cli_version
	check "$suite:cli-help" inside pinshadow --help
	check "$suite:cli-no-module" cli_no_module
	check "$suite:man-page" test -s "$merged/usr/share/man/man8/pinshadow.8.gz"
	# The completion the package installs loads and registers itself.
	check "$suite:completion" inside bash -c \
		'. /usr/share/bash-completion/completions/pinshadow && complete -p pinshadow'
	check "$suite:examples" test -s \
		"$merged/usr/share/doc/pinshadow-dkms/examples/modules-load.d/pinshadow.conf"
	check "$suite:purge" inside apt-get purge -y -q pinshadow pinshadow-dkms
	check "$suite:nothing-left" nothing_left
	# Without the packages: make install on the live (overlay) system.
	check "$1:make-install" make_install "$1"
	check "$suite:make-install-cli" make_install_cli
}

# The tree the packages were built from, copied (the build writes in it).
src=/tmp/pinshadow-src
copy_src() {
	[ -d "$merged$src" ] || cp -a "$pkgdir/pinshadow-$version" "$merged$src"
}

# pinshadow.ko alone, where modprobe finds it: depmod ran.
make_install() { # KREL
	local f
	copy_src
	inside make -C "$src" install KDIR="/usr/src/linux-headers-$1"
	f=$(inside modinfo -k "$1" -F filename pinshadow)
	echo "$f"
	# kbuild's INSTALL_MOD_DIR: extra/ on 6.1, updates/ later.
	case $f in
	/lib/modules/"$1"/extra/module/pinshadow.ko*) ;;
	/lib/modules/"$1"/updates/module/pinshadow.ko*) ;;
	*) return 1 ;;
	esac
	if find "$merged/lib/modules" -name 'pinshadow_*.ko*' | grep .; then
		return 1
	fi
}

make_install_cli() {
	copy_src
	inside make -C "$src" install-cli install-man
	cli_version_of /usr/local/sbin/pinshadow
	test -s "$merged/usr/local/share/man/man8/pinshadow.8"
}

# DKMS says installed, and its make.log says how long the build took (its
# header has the start, its mtime the end).
dkms_installed() { # KREL
	local log=$merged/var/lib/dkms/pinshadow/$version/$1/x86_64/log/make.log start
	inside dkms status -m pinshadow -v "$version" -k "$1" | tee "$logs/dkms-status"
	grep -q ': installed$' "$logs/dkms-status"
	start=$(sed -n 2p "$log")
	echo "pkg-test: DKMS built pinshadow for $1 in" \
		"$(($(stat -c %Y "$log") - $(date -d "$start" +%s))) s" >&3
}

# modinfo finds it (depmod ran), in DKMS's place, for this kernel, of this
# version.
built_module() { # KREL
	local f vermagic ver
	f=$(inside modinfo -k "$1" -F filename pinshadow)
	echo "$f"
	case $f in /lib/modules/"$1"/updates/dkms/pinshadow.ko*) ;; *) return 1 ;; esac
	vermagic=$(inside modinfo -F vermagic "$f")
	ver=$(inside modinfo -F version "$f")
	echo "vermagic $vermagic, version $ver"
	[ "${vermagic%% *}" = "$1" ] && [ "$ver" = "$version" ]
	mkdir -p "$pkgdir/ko/$1"
	case $f in
	*.xz) xz -dc "$merged$f" >"$pkgdir/ko/$1/pinshadow.ko" ;;
	*.zst) zstd -qdc "$merged$f" >"$pkgdir/ko/$1/pinshadow.ko" ;;
	*) cp "$merged$f" "$pkgdir/ko/$1/pinshadow.ko" ;;
	esac
}

no_test_modules() {
	if find "$merged/var/lib/dkms" "$merged/lib/modules" \
		\( -name 'pinshadow_test_helper.ko*' -o -name 'pinshadow_kunit.ko*' \) | grep .; then
		return 1
	fi
}

cli_version() { cli_version_of pinshadow; }
cli_version_of() { # PATH
	local out
	out=$(inside "$1" --version)
	echo "$out"
	case $out in "pinshadow $version,"*) ;; *) return 1 ;; esac
}

# No module loaded, no debugfs in the chroot: an error that says so.
cli_no_module() {
	local rc=0
	inside pinshadow status 2>"$logs/cli-no-module.err" || rc=$?
	cat "$logs/cli-no-module.err"
	[ "$rc" -ne 0 ] && grep -qi 'pinshadow' "$logs/cli-no-module.err"
}

# Nothing named after pinshadow among what the overlay's upper layer holds
# (what was written since it was mounted: the chroot itself has
# $cache/pinshadow, a mount point), no DKMS tree, no dpkg record.
nothing_left() {
	if find "$upper" -name '*pinshadow*' | grep .; then
		return 1
	fi
	[ ! -e "$merged/var/lib/dkms/pinshadow" ]
	# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
	if inside dpkg-query -W -f '${Package} ${Status}\n' 'pinshadow*' 2>/dev/null | grep .; then
		return 1
	fi
}

# pkg-test.sh PKGDIR --suite SUITE TMP KREL...: the namespace's side.
if [ "${1:-}" = --suite ]; then
	shift
	exec 3>&1
	suite_test "$@"
	echo "$passed $failed" >"$logs/counts.$1"
	exit 0
fi

# The kernels by suite; each suite's chroot made if missing.
rm -rf "$logs" "$pkgdir/ko"
mkdir -p "$logs" "$cache/tmp"
suites=$(for k in "$@"; do "$kernels" get "$k" chroot; done | sort -u)
for s in $suites; do
	ks=$(for k in "$@"; do [ "$("$kernels" get "$k" chroot)" != "$s" ] || echo "$k"; done)
	"$top/tests/kernels/chroot.sh" "$s" >/dev/null
	before=$(cksum <"$cache/chroot/$s/var/lib/dpkg/status")
	tmp=$(mktemp -d "$cache/tmp/pkg-test.XXXXXX")
	# shellcheck disable=SC2086 # one argument per kernel
	unshare -m --propagation private "$0" "$pkgdir" --suite "$s" "$tmp" $ks || true
	rm -rf "$tmp"
	if [ -f "$logs/counts.$s" ]; then
		read -r p f <"$logs/counts.$s"
		passed=$((passed + p)) failed=$((failed + f))
	else
		fail "$s:run" "the suite's test stopped (see above)"
	fi
	# The shared chroot is as it was.
	check "$s:chroot-unchanged" test "$before" = \
		"$(cksum <"$cache/chroot/$s/var/lib/dpkg/status")"
done
echo "pkg-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
