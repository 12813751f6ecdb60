#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# script.sh KVER SCRIPT: boot KVER of the kernel cache with pinshadow (and
# its test helper) loaded, run SCRIPT there as root, print what it prints
# here as it comes, and exit with its status (1 if the VM did not finish).
# `make vm` and `make demo` are built on it.
#
# Environment: VM_BINS (programs on the guest's PATH), VM_FILES (copied
# into the guest's /files, the script's working directory), VM_TIMEOUT
# (seconds, default 600), SCRIPT_OUT (default build/script/KVER), and
# qemu.sh's VM_* settings.
set -eu

. "$(dirname "$0")/lib.sh"
ps_need_args 2 "KVER SCRIPT" "$@"
kver=$1
script=$(readlink -f "$2")
out=${SCRIPT_OUT:-$BUILD/script/$kver}
timeout=${VM_TIMEOUT:-600}
name=${script##*/}
[ -f "$script" ] || { echo "script.sh: no script $2" >&2; exit 2; }
mkdir -p "$out"
rm -f "$out"/{console.log,tests.log,qemu.log}

if ! VM_TEST_FILES="$script" VM_TESTS="" VM_EXTRA_MODULES="${VM_EXTRA_MODULES-}" \
	"$here/mkinitramfs.sh" "$kver" "$out/initrd.cpio.gz" \
	>"$out/mkinitramfs.log" 2>&1; then
	echo "script.sh: building the VM image failed:" >&2
	cat "$out/mkinitramfs.log" >&2
	exit 1
fi

# The guest's output (ttyS1): only what SCRIPT prints, between its
# PSVM-BEGIN and PSVM-END markers; never the runner's markers nor the kernel
# log it copies into PSVM-DMESG sections.
: >"$out/tests.log"
tail -F -n +1 "$out/tests.log" 2>/dev/null |
	sed -u -n -e '/^PSVM-DMESG-BEGIN/,/^PSVM-DMESG-END/d' \
		-e '/^PSVM-BEGIN /,/^PSVM-END /{/^PSVM-/d;/^<[0-9]*>\[/d;p}' &
tail_pid=$!
trap 'kill $tail_pid 2>/dev/null || true' EXIT
rc=0
"$here/qemu.sh" "$kver" "$out/initrd.cpio.gz" "$out" "$timeout" \
	"console=ttyS0 panic=-1 oops=panic panic_on_warn=1 psvm_timeout=$timeout psvm_cwd=/files ${VM_APPEND:-}" ||
	rc=$?
sleep 1
if ! grep -q '^PSVM-DONE' "$out/tests.log"; then
	echo "script.sh: the VM did not finish (qemu exit $rc); its console: $out/console.log" >&2
	tail -n 20 "$out/console.log" >&2
	exit 1
fi
if grep -q '^PSVM-CHECK fail' "$out/tests.log"; then
	echo "script.sh: the VM runner reported a problem:" >&2
	grep '^PSVM-CHECK fail' "$out/tests.log" >&2
fi
end=$(grep -m1 "^PSVM-END $name " "$out/tests.log" || true)
status=${end#* rc=}
status=${status%% *}
case $status in
'' | *[!0-9]*) echo "script.sh: $name never ended (see $out/tests.log)" >&2; exit 1 ;;
esac
exit "$status"
