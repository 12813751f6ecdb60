#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# chroot.sh SUITE [run CMD...]
#
# The build environment of one Debian suite (bookworm, trixie, ...): a
# minbase debootstrap in the kernel cache, with its own apt sources, so that
# a kernel's modules are built by the compiler and kbuild tools of the suite
# that built the kernel.  The host's packages and apt sources are never
# touched: the mirror is read from the host's apt configuration, and the
# chroot keeps its own sources.list.
#
#   chroot.sh SUITE            create it (once; cached), print its path
#   chroot.sh SUITE run CMD    run CMD inside it, in a private mount namespace
#                              with /proc, /dev, the cache and the work tree
#                              bound at the same paths as on the host
#
# Environment: PS_CACHE (default /var/cache/pinshadow), PS_TOP (the work
# tree to bind, default this repository).
set -eu
shopt -s inherit_errexit

[ $# -ge 1 ] || { echo "usage: $0 SUITE [run CMD...]" >&2; exit 2; }
suite=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
cache=${PS_CACHE:-/var/cache/pinshadow}
top=${PS_TOP:-$(cd "$here/../.." && pwd)}
root=$cache/chroot/$suite

# Packages every chroot has: what kbuild, sparse and a kernel build need.
base_pkgs=make,gcc,libc6-dev,sparse,bc,bison,flex,libelf-dev,libssl-dev,kmod,cpio,xz-utils,zstd,rsync,perl,python3,ca-certificates

die() { echo "chroot.sh: $*" >&2; exit 1; }

# The host's Debian mirror, as apt already uses it (not the security one).
host_mirror() {
	apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
		awk '$2 !~ /-security$/ { print $1; exit }'
}

create() {
	local mirror tmp
	mirror=$(host_mirror)
	[ -n "$mirror" ] || die "no Debian mirror in the host's apt sources (run apt-get update)"
	command -v debootstrap >/dev/null || die "debootstrap missing (make deps)"
	tmp=$root.tmp
	rm -rf "$tmp"
	mkdir -p "$(dirname "$root")"
	echo "chroot.sh: debootstrap $suite from $mirror (a few minutes, once)" >&2
	debootstrap --variant=minbase --include="$base_pkgs" "$suite" "$tmp" "$mirror" \
		>"$tmp.log" 2>&1 || { tail -n 20 "$tmp.log" >&2; die "debootstrap $suite failed (log: $tmp.log)"; }
	# The suite itself, its updates and backports, and for the host's own
	# suite the host's security archive too: the newest kernels of each.
	{
		echo "deb $mirror $suite main"
		echo "deb $mirror $suite-updates main"
		echo "deb $mirror $suite-backports main"
		apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
			awk -v s="$suite-security" '$2 == s { print "deb " $1 " " $2 " main"; exit }'
	} >"$tmp/etc/apt/sources.list"
	# Never start services inside the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
	chmod 755 "$tmp/usr/sbin/policy-rc.d"
	mv "$tmp" "$root"
	mv "$tmp.log" "$root.debootstrap.log"
	run apt-get update -qq
}

# run CMD...: inside the chroot; mounts vanish with the namespace.
run() {
	unshare -m --propagation private /bin/bash -eu -c '
		root=$1 cache=$2 top=$3; shift 3
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		mkdir -p "$root$cache" "$root$top"
		mount --bind "$cache" "$root$cache"
		mount --bind "$top" "$root$top"
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	' run "$root" "$cache" "$top" "$@"
}

# One creator at a time (two kernels of one suite may ask at once).
mkdir -p "$cache/chroot"
exec 9>"$cache/chroot/.$suite.lock"
flock 9
[ -f "$root/etc/apt/sources.list" ] && [ -x "$root/usr/bin/make" ] || create
flock -u 9

if [ $# -eq 0 ]; then
	echo "$root"
elif [ "$1" = run ]; then
	shift
	run "$@"
else
	die "unknown command $1"
fi
