#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernels.sh: the kernel matrix (tests/kernels/matrix) as cached test data.
# Kernels are fetched as Debian packages (apt-get download, dpkg-deb -x) or
# built from a Debian source package, into the kernel cache; their modules
# are built in a chroot of their suite (chroot.sh).  Nothing is installed on
# the host: not in /boot, not in /lib/modules, not in its apt sources.
#
#   kernels.sh names               the matrix's names, one a line
#   kernels.sh how [K...]          "K deb" or "K src" for each K (a name or
#                                  a release; default: the whole matrix):
#                                  src kernels take long to build
#   kernels.sh krels [K...]        the kernel release of each K (a name or a
#                                  release; default: the whole matrix),
#                                  fetching or building what is not cached
#   kernels.sh get KREL KEY        one fact of a cached kernel: name, suite,
#                                  chroot, flavour (stock, rt, debug),
#                                  vmlinuz, moddir, kdir
#   kernels.sh run KREL CMD...     CMD in the kernel's build chroot
#   kernels.sh refresh [NAME...]   resolve the names to Debian's newest again
#
# Cache layout ($PS_CACHE, default /var/cache/pinshadow):
#   chroot/SUITE/          the build chroots
#   kernels/KREL/info      "key value" lines (the facts above)
#   kernels/KREL/root/     the extracted packages (vmlinuz, modules)
#   kernels/by-name/NAME   the release NAME resolved to when fetched
#   kernels/src-NAME-HASH/ a kernel built from source, by hash of the source
#                          package's version and the config fragment
set -eu
# set -e inside $(...) too: a failed step must never pass for a built kernel.
shopt -s inherit_errexit

here=$(cd "$(dirname "$0")" && pwd)
export PS_CACHE=${PS_CACHE:-/var/cache/pinshadow}
kc=$PS_CACHE/kernels
matrix=${PS_MATRIX:-$here/matrix}

die() { echo "kernels.sh: $*" >&2; exit 1; }
say() { echo "kernels.sh: $*" >&2; }

# The matrix without comments: name suite how what [config]
entries() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$matrix"; }
entry() { entries | awk -v n="$1" '$1 == n'; }

base_of() { echo "${1%%-*}"; } # trixie-backports -> trixie
chroot_sh() { "$here/chroot.sh" "$@"; }

# apt's target release: only for a suite apt ranks below its base.
apt_t() {
	case $1 in *-backports) echo "-t $1" ;; esac
}

# apt in a chroot, one at a time: make check fetches the stock kernels while
# the debug kernel's source is installed in the same chroot.
apt_lock() { # BASE: on fd 7 until the caller's apt_unlock
	exec 7>"$PS_CACHE/chroot/.$1.apt.lock"
	flock 7
}
apt_unlock() { flock -u 7; exec 7>&-; }

# apt-get update in a chroot at most every 12 hours.
apt_fresh() { # BASE
	local stamp=$PS_CACHE/chroot/.$1.updated
	chroot_sh "$1" >/dev/null
	apt_lock "$1"
	if [ -z "$(find "$stamp" -mmin -720 2>/dev/null)" ]; then
		chroot_sh "$1" run apt-get update -qq >&2
		touch "$stamp"
	fi
	apt_unlock
}

# apt-get install in a chroot; its output only when it fails.
apt_install() { # BASE "-t SUITE"|"" PKG...
	local base=$1 t=$2 log=$PS_CACHE/chroot/$1.apt.log
	shift 2
	apt_lock "$base"
	chroot_sh "$base" run apt-get install -y -q --no-install-recommends $t "$@" \
		>"$log" 2>&1 || { tail -n 30 "$log" >&2; die "apt-get install $* failed in the $base chroot"; }
	apt_unlock
}

info_get() { # KREL KEY
	[ -f "$kc/$1/info" ] || die "$1: not in the kernel cache (kernels.sh krels $1)"
	awk -v k="$2" '$1 == k { sub(/^[^ ]+ /, ""); print; f = 1 } END { exit !f }' \
		"$kc/$1/info" || die "$1: no $2 in $kc/$1/info"
}

flavour_of() { # CONFIG-FILE HOW
	if [ "$2" = src ]; then
		echo debug
	elif grep -q '^CONFIG_PREEMPT_RT=y' "$1"; then
		echo rt
	else
		echo stock
	fi
}

# deb: the image the (meta-)package stands for, its packages, its headers.
fetch_deb() { # NAME SUITE PKG
	local name=$1 suite=$2 pkg=$3 base t img krel dir root pkgs vmlinuz moddir cfg
	base=$(base_of "$suite")
	t=$(apt_t "$suite")
	apt_fresh "$base"
	# A meta-package depends on the image of the newest kernel; an image
	# depends on no other image.
	img=$(chroot_sh "$base" run apt-cache $t depends "$pkg" |
		awk '$1 ~ /Depends:/ && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	img=${img:-$pkg}
	[ -n "$img" ] || die "$name: $pkg in $suite names no linux-image package"
	krel=${img#linux-image-}
	krel=${krel%-unsigned}
	dir=$kc/$krel
	if [ -f "$dir/info" ]; then
		echo "$krel"
		return
	fi
	say "$name: fetching $krel from $suite"
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp/debs" "$dir.tmp/root"
	# The image and what it is split into (7.x: binary, modules, base).
	pkgs=$(chroot_sh "$base" run apt-cache $t depends --recurse --no-recommends \
		--no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
		--no-pre-depends "$img" | grep -v '^ ' | grep -F -- "$krel" |
		grep -v -e '-dbg$' -e '^linux-headers' | sort -u)
	chroot_sh "$base" run /bin/sh -c "cd '$dir.tmp/debs' && apt-get download -qq -o APT::Sandbox::User=root $t $(echo $pkgs)" >&2
	root=$dir.tmp/root
	for deb in "$dir.tmp"/debs/*.deb; do
		dpkg-deb -x "$deb" "$root"
	done
	rm -rf "$dir.tmp/debs"
	[ -e "$root/lib" ] || ln -s usr/lib "$root/lib"
	vmlinuz=$(ls "$root/boot/vmlinuz-$krel" "$root/usr/lib/modules/$krel/vmlinuz" 2>/dev/null | head -n1)
	[ -n "$vmlinuz" ] || die "$krel: no vmlinuz in $pkgs"
	moddir=$root/lib/modules/$krel
	depmod -b "$root" "$krel"
	say "$name: installing linux-headers-$krel in the $base chroot"
	apt_install "$base" "$t" "linux-headers-$krel"
	cfg=$PS_CACHE/chroot/$base/usr/src/linux-headers-$krel/.config
	[ -f "$cfg" ] || die "$krel: headers have no .config"
	{
		echo "name $name"
		echo "suite $suite"
		echo "chroot $base"
		echo "flavour $(flavour_of "$cfg" deb)"
		echo "vmlinuz ${vmlinuz/$dir.tmp/$dir}"
		echo "moddir $dir/root/lib/modules/$krel"
		echo "kdir /usr/src/linux-headers-$krel"
	} >"$dir.tmp/info"
	mv "$dir.tmp" "$dir"
	echo "$krel"
}

# src: a kernel built from a Debian source package with a config fragment.
fetch_src() { # NAME SUITE PKG CONFIG
	local name=$1 suite=$2 pkg=$3 frag=$here/$4 base t ver key tree tarball krel dir
	base=$(base_of "$suite")
	t=$(apt_t "$suite")
	[ -f "$frag" ] || die "$name: no config fragment $frag"
	apt_fresh "$base"
	ver=$(chroot_sh "$base" run dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null || true)
	if [ -z "$ver" ]; then
		say "$name: installing $pkg in the $base chroot"
		apt_install "$base" "$t" "$pkg"
		ver=$(chroot_sh "$base" run dpkg-query -W -f '${Version}' "$pkg")
	fi
	key=$( { echo "$pkg $ver"; cat "$frag"; } | sha256sum | cut -c1-16)
	tree=$kc/src-$name-$key
	if [ ! -f "$tree/.built" ]; then
		tarball=$(ls "$PS_CACHE/chroot/$base/usr/src/$pkg".tar.* 2>/dev/null | head -n1)
		[ -n "$tarball" ] || die "$name: $pkg has no tarball in /usr/src"
		# An interrupted build goes on where it stopped (make is incremental).
		if [ ! -f "$tree/.unpacked" ]; then
			rm -rf "$tree"
			mkdir -p "$tree"
			say "$name: unpacking $pkg $ver"
			tar -xf "$tarball" -C "$tree" --strip-components=1
			touch "$tree/.unpacked"
		fi
		say "$name: building bzImage and modules with -j$(nproc) (20 to 30 minutes, once)"
		chroot_sh "$base" run /bin/bash -euc '
			cd "$1"
			make -s defconfig
			scripts/kconfig/merge_config.sh -m .config \
				kernel/configs/kvm_guest.config "$2" >/dev/null
			make -s olddefconfig
			# Every requested option must have survived olddefconfig.
			bad=0
			while IFS= read -r line; do
				case $line in CONFIG_*) ;; *) continue ;; esac
				grep -qx -- "$line" .config && continue
				# =n: not set, or not even offered (its menu is off).
				[ "${line#*=}" = n ] && ! grep -q "^${line%=n}=" .config && continue
				echo "kernels.sh: $line did not stick" >&2
				bad=1
			done <"$2"
			[ $bad = 0 ]
			make -s -j"$(nproc)" bzImage modules
		' build "$tree" "$frag" >&2
		touch "$tree/.built"
	fi
	krel=$(chroot_sh "$base" run make -s -C "$tree" kernelrelease)
	dir=$kc/$krel
	if [ ! -f "$dir/info" ] || [ "$(info_get "$krel" kdir)" != "$tree" ]; then
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp/root"
		chroot_sh "$base" run make -s -C "$tree" INSTALL_MOD_PATH="$dir.tmp/root" \
			INSTALL_MOD_STRIP=1 modules_install >&2
		[ -e "$dir.tmp/root/lib" ] || ln -s usr/lib "$dir.tmp/root/lib"
		{
			echo "name $name"
			echo "suite $suite"
			echo "chroot $base"
			echo "flavour debug"
			echo "vmlinuz $tree/arch/x86/boot/bzImage"
			echo "moddir $dir/root/lib/modules/$krel"
			echo "kdir $tree"
		} >"$dir.tmp/info"
		mv "$dir.tmp" "$dir"
	fi
	echo "$krel"
}

# NAME -> KREL, fetching once; later runs reuse what NAME resolved to.
fetch() { # NAME
	local name=$1 line krel
	line=$(entry "$name")
	[ -n "$line" ] || die "$name: not in $matrix"
	mkdir -p "$kc/by-name"
	exec 8>"$kc/by-name/.$name.lock"
	flock 8
	krel=$(cat "$kc/by-name/$name" 2>/dev/null || true)
	set -- $line
	case $3 in
	deb)
		[ -n "$krel" ] && [ -f "$kc/$krel/info" ] ||
			krel=$(fetch_deb "$1" "$2" "$4")
		;;
	src) # Always: a changed config fragment means another kernel.
		krel=$(fetch_src "$1" "$2" "$4" "${5:?$1: src needs a config fragment}") ;;
	*) die "$1: how '$3' is neither deb nor src" ;;
	esac
	echo "$krel" >"$kc/by-name/$name"
	flock -u 8
	echo "$krel"
}

# deb or src: how K, a name or a release a name resolved to, comes into the
# cache.  A cached kernel out of the matrix is data already: deb.
how_of() { # K
	local n=$1 f
	if [ -z "$(entry "$n")" ]; then
		f=$(grep -lx -- "$1" "$kc"/by-name/* 2>/dev/null | head -n1)
		n=${f##*/}
	fi
	if [ -n "$n" ] && [ -n "$(entry "$n")" ]; then
		entry "$n" | awk '{ print $3 }'
	else
		echo deb
	fi
}

krels() {
	local k
	[ $# -gt 0 ] || set -- $(entries | awk '{ print $1 }')
	for k in "$@"; do
		if [ -n "$(entry "$k")" ]; then
			fetch "$k"
		elif [ -f "$kc/$k/info" ]; then
			echo "$k"
		else
			# A release of the matrix that is not cached yet.
			local n
			n=$(grep -lx -- "$k" "$kc"/by-name/* 2>/dev/null | head -n1)
			[ -n "$n" ] || die "$k: neither a name in $matrix nor a cached kernel"
			fetch "$(basename "$n")"
		fi
	done
}

[ $# -ge 1 ] || die "usage: kernels.sh names|krels|get|run|refresh ..."
cmd=$1
shift
case $cmd in
names) entries | awk '{ print $1 }' ;;
how)
	[ $# -gt 0 ] || set -- $(entries | awk '{ print $1 }')
	for k in "$@"; do echo "$k $(how_of "$k")"; done
	;;
krels) krels "$@" ;;
get) [ $# -eq 2 ] || die "usage: kernels.sh get KREL KEY"; info_get "$1" "$2" ;;
run)
	[ $# -ge 2 ] || die "usage: kernels.sh run KREL CMD..."
	krel=$1
	shift
	PS_TOP=${PS_TOP:-$(cd "$here/../.." && pwd)} chroot_sh "$(info_get "$krel" chroot)" run "$@"
	;;
refresh)
	[ $# -gt 0 ] || set -- $(entries | awk '{ print $1 }')
	for n in "$@"; do rm -f "$kc/by-name/$n"; done
	rm -f "$PS_CACHE"/chroot/.*.updated
	krels "$@"
	;;
*) die "unknown command $cmd" ;;
esac
