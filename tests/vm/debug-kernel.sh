#!/bin/bash
# Build the 6.12 debug kernel from Debian's linux-source-6.12: defconfig +
# kvm_guest.config + tests/vm/debug-kernel.config, bzImage and modules (for
# Module.symvers, which out-of-tree modules need).
#
# Usage: debug-kernel.sh [CACHE_DIR]   (default /var/cache/pinshadow)
# The result is cached by the hash of the source tarball and the config
# fragment, so a second run costs nothing.  It is then installed like a
# Debian kernel, so that the project finds it as it finds those:
# /boot/vmlinuz-KREL, /lib/modules/KREL/{build,modules.dep}, plus a marker
# /lib/modules/KREL/pinshadow-debug-kernel.  Prints KREL.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-/var/cache/pinshadow}
tarball=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | sort | tail -n 1)
[ -n "$tarball" ] || { echo "linux-source-6.12 is not installed (make deps)" >&2; exit 1; }

key=$( (sha256sum "$tarball" | cut -c1-16; sha256sum "$here/debug-kernel.config" | cut -c1-16) | tr -d '\n')
tree=$cache/linux-debug-$key
install_tree() {
	local krel
	krel=$(make -s -C "$tree" kernelrelease)
	if [ ! -f "/lib/modules/$krel/pinshadow-debug-kernel" ] ||
	   ! cmp -s "$tree/arch/x86/boot/bzImage" "/boot/vmlinuz-$krel"; then
		echo "debug-kernel: installing $krel" >&2
		make -s -C "$tree" modules_install >&2
		install -m 644 "$tree/arch/x86/boot/bzImage" "/boot/vmlinuz-$krel"
		ln -sfn "$tree" "/lib/modules/$krel/build"
		echo "$tree" >"/lib/modules/$krel/pinshadow-debug-kernel"
	fi
	echo "$krel"
}

if [ -f "$tree/.pinshadow-built" ]; then
	install_tree
	exit 0
fi

mkdir -p "$cache"
rm -rf "$tree" "$tree.tmp"
mkdir -p "$tree.tmp"
echo "debug-kernel: unpacking $(basename "$tarball")" >&2
tar -xJf "$tarball" -C "$tree.tmp" --strip-components=1
cd "$tree.tmp"
make -s defconfig >&2
scripts/kconfig/merge_config.sh -m .config kernel/configs/kvm_guest.config \
	"$here/debug-kernel.config" >&2
make -s olddefconfig >&2
# Every requested option must have survived olddefconfig.
missing=0
while IFS= read -r line; do
	case "$line" in CONFIG_*) ;; *) continue ;; esac
	if ! grep -qx -- "$line" .config && \
	   ! { [ "${line#*=}" = n ] && grep -qx "# ${line%=n} is not set" .config; }; then
		echo "debug-kernel: $line did not stick" >&2
		missing=1
	fi
done < "$here/debug-kernel.config"
[ $missing = 0 ] || exit 1
echo "debug-kernel: building bzImage and modules with -j$(nproc) (about 15 minutes)" >&2
make -s -j"$(nproc)" bzImage modules >&2
cd /
mv "$tree.tmp" "$tree"
touch "$tree/.pinshadow-built"
install_tree
