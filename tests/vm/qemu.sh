#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu.sh KVER INITRD OUTDIR TIMEOUT APPEND
#
# The one QEMU invocation of the project (tests, stress, demo, make vm):
# boots KVER of the kernel cache with INITRD, ttyS0 (the kernel's console)
# into OUTDIR/console.log, ttyS1 (the guest's output) into OUTDIR/tests.log,
# QEMU's own messages into OUTDIR/qemu.log.  Exits with QEMU's status (124
# or 137 after TIMEOUT seconds).
#
# TCG only: there is no usable KVM here.  One host thread for all vCPUs:
# QEMU 7.2's multi-threaded TCG mishandles the kernel's cross-modifying
# code: arming a kprobe (text_poke_bp()) on a function another vCPU is
# running jumps to address 0, with the kernel's own kprobe_events and no
# pinshadow loaded, in the first of 60 arm/disarm rounds on 6.1 and 6.12;
# with thread=single, 60 of 60 rounds pass (README.md, "Known limits").
#
# Environment: VM_MEM (2G), VM_SMP (2), VM_CPU (max; max,-la57 for KASAN),
#   VM_ACCEL (tcg,thread=single), VM_KERNEL (default: from the cache),
#   VM_ICOUNT (unset: none; e.g. "shift=0,sleep=off": QEMU's -icount, the
#   guest's clock counts executed instructions; needs thread=single, which
#   make bench uses for figures that do not move with the host's load),
#   VM_QEMU_ARGS (more QEMU arguments).
set -eu

[ $# -eq 5 ] || { echo "usage: $0 KVER INITRD OUTDIR TIMEOUT APPEND" >&2; exit 2; }
kver=$1 initrd=$2 out=$3 timeout=$4 append=$5
here=$(cd "$(dirname "$0")" && pwd)
kernel=${VM_KERNEL:-$("$here/../kernels/kernels.sh" get "$kver" vmlinuz)}
[ -r "$kernel" ] || { echo "qemu.sh: no kernel image $kernel" >&2; exit 1; }
mkdir -p "$out"
icount=()
[ -z "${VM_ICOUNT:-}" ] || icount=(-icount "$VM_ICOUNT")
# A KASAN kernel gets a CPU without LA57: 7.3.4 with KASAN, booted with
# no5lvl on "-cpu max", now and then dies of a KASAN wild-memory-access
# (an ff11... address, LA57's direct map) in an interrupt taken during
# identify_cpu(), before any of ours runs (seen twice in the debug kernel).
# The stock kernels keep LA57.
cpu=${VM_CPU:-max}
if [ -z "${VM_CPU:-}" ] && [ -z "${VM_KERNEL:-}" ] &&
	kdir=$("$here/../kernels/kernels.sh" get "$kver" kdir 2>/dev/null) &&
	grep -qx CONFIG_KASAN=y "$kdir/.config" 2>/dev/null; then
	cpu=max,-la57
fi
# shellcheck disable=SC2086 # VM_QEMU_ARGS splits on purpose
exec timeout -k 10 "$timeout" qemu-system-x86_64 \
	-accel "${VM_ACCEL:-tcg,thread=single}" "${icount[@]}" -cpu "$cpu" \
	-m "${VM_MEM:-2G}" -smp "${VM_SMP:-2}" -nodefaults -display none \
	-monitor none -no-reboot \
	-serial file:"$out/console.log" -serial file:"$out/tests.log" \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	${VM_QEMU_ARGS:-} </dev/null >"$out/qemu.log" 2>&1
