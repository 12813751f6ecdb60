#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh KVER
#
# One benchmark boot of KVER under QEMU TCG (never KVM) through the project's
# one QEMU command line (tests/vm/qemu.sh), then the table.
# The initramfs is the VM runner's (tests/vm/mkinitramfs.sh: busybox, the
# pinshadow modules, tests/vm/init) with two archives appended
# (tests/vm/mkoverlay.sh): bpftrace and perf with their libraries (bench.mk),
# and the benchmark's own files, whose guest.sh is the only test init runs.
#
# Writes build/bench/KVER/: console.log (ttyS0), tests.log (ttyS1, what
# guest.sh prints), raw (its BENCH lines), results.txt (the table).
#
# Environment:
#   BENCH_REPS (7), BENCH_MS (200), BENCH_FORKS (3),
#   BENCH_SCALE_PAGES (2000000), BENCH_SECTIONS ("pin diag fork mem scale"),
#   BENCH_PERF (0), BENCH_PERF_STATES: passed to guest.sh, see there
#   BENCH_MEM (12G), BENCH_SMP (1 under -icount, else 2), BENCH_CPU (max,-erms): the VM
#   BENCH_ICOUNT (shift=0,sleep=off; off: wall time), BENCH_ACCEL
#   (tcg,thread=single): QEMU's -icount and -accel
#   BENCH_TIMEOUT (1500): seconds for the whole VM run
#   BENCH_VERBOSE=1: stream the guest's output while it runs
set -eu

. "$(dirname "$0")/../vm/lib.sh"
ps_need_args 1 KVER "$@"
kver=$1
out=$BUILD/bench/$kver
kernel=$("$top/tests/kernels/kernels.sh" get "$kver" vmlinuz)
# bpftrace and perf: the host's for a kernel of the host's suite, else
# from the kernel's suite's chroot (bench.mk builds the same one).
suite=$("$top/tests/kernels/kernels.sh" get "$kver" chroot)
host_suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
if [ "$suite" = "$host_suite" ]; then
	tools=$BUILD/bench/tools.cpio.zst
else
	tools=$BUILD/bench/tools-$suite.cpio.zst
fi
vm_timeout=${BENCH_TIMEOUT:-1500}
# Without ERMS: TCG runs "rep stosb" one byte per iteration, and with ERMS
# the kernel clears every page with it, which makes page allocation, THP
# faults and pinshadow's block allocation 20-50 times dearer, relative to
# everything else, than on hardware.  The kernel then uses rep stosq.
cpu=${BENCH_CPU:-max,-erms}
# The guest's clock: by default QEMU's -icount, under which it counts the
# instructions the vCPUs executed (shift=0: 1 ns = 1 instruction; sleep=off:
# an idle guest skips ahead), so that a figure does not move with the
# host's other load.  icount needs single-threaded TCG: the vCPUs take
# turns on one host thread and share the one clock.  BENCH_ICOUNT=off:
# the host's wall time instead.
icount=${BENCH_ICOUNT:-shift=0,sleep=off}
[ "$icount" != off ] || icount=
accel=${BENCH_ACCEL:-tcg,thread=single}
# One vCPU under -icount: the vCPUs would share the one clock, so two
# threads measure no parallelism, and 6.1 with 2 vCPUs never finishes
# booting under -icount (it stops at "x86: Booting SMP configuration").
if [ -n "$icount" ]; then
	clock=instr
	smp=${BENCH_SMP:-1}
	case $accel in
	*thread=single*) ;;
	*) echo "bench: BENCH_ICOUNT needs BENCH_ACCEL with thread=single" >&2; exit 2 ;;
	esac
else
	clock=wall
	smp=${BENCH_SMP:-2}
fi

[ -r "$kernel" ] || { echo "bench: no kernel image $kernel" >&2; exit 1; }
[ -f "$tools" ] || { echo "bench: $tools missing: make bench" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/{console.log,tests.log,qemu.log,raw,results.txt}

# The runner's initramfs with no test of its own and no extra module.
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
# (Without extra modules it complains of a missing list file: harmless.)
VM_TESTS_DIR=$empty VM_EXTRA_MODULES='' VM_TEST_FILES='' VM_BINS='' VM_OVERLAY='' \
	"$top/tests/vm/mkinitramfs.sh" "$kver" "$out/base.cpio.gz" \
	>/dev/null 2> >(grep -v 'modules-extra/list' >&2)
ko=$BUILD/bench/$kver/kmod/pinshadow_bench.ko
"$top/tests/vm/mkoverlay.sh" files "$out/bench.cpio.zst" \
	"$ko=/lib/pinshadow-bench/pinshadow_bench.ko" \
	"${ko%/*}/pinshadow_probe_cost.ko=/lib/pinshadow-bench/pinshadow_probe_cost.ko" \
	"$BUILD/bench/psbench=/bin/psbench" \
	"$here/peer.bt=/lib/pinshadow-bench/peer.bt" \
	"$here/peer-kprobe.bt=/lib/pinshadow-bench/peer-kprobe.bt" \
	"$here/guest.sh=/tests/bench"
cat "$out/base.cpio.gz" "$tools" "$out/bench.cpio.zst" >"$out/initrd.img"

append="console=ttyS0 panic=-1 oops=panic psvm_timeout=$vm_timeout"
append="$append bench_reps=${BENCH_REPS:-7} bench_ms=${BENCH_MS:-200}"
append="$append bench_forks=${BENCH_FORKS:-3}"
append="$append bench_scale_pages=${BENCH_SCALE_PAGES:-2000000}"
append="$append bench_perf=${BENCH_PERF:-0} bench_clock=$clock"
[ -z "${BENCH_PERF_STATES:-}" ] ||
	append="$append bench_perf_states=$(echo "$BENCH_PERF_STATES" | tr -s ' ' ,)"
# No spaces inside one kernel parameter: the sections are comma separated.
sections=${BENCH_SECTIONS:-pin diag fork gup mem scale}
append="$append bench_sections=$(echo "$sections" | tr -s ' ' ,)"

vmdesc="-accel $accel${icount:+ -icount $icount} -cpu $cpu, ${BENCH_MEM:-12G}, $smp vCPUs"
echo "bench $kver: booting QEMU TCG $vmdesc (timeout ${vm_timeout} s)"
tail_pid=
: >"$out/tests.log"
if [ "${BENCH_VERBOSE:-0}" = 1 ]; then
	tail -F -n +1 "$out/tests.log" 2>/dev/null &
	tail_pid=$!
fi
start=$(date +%s)
qemu_rc=0
# The project's one QEMU command line (tests/vm/qemu.sh), with its own
# settings.
VM_ACCEL=$accel VM_ICOUNT=$icount VM_CPU=$cpu VM_MEM=${BENCH_MEM:-12G} \
	VM_SMP=$smp VM_KERNEL=$kernel VM_QEMU_ARGS='' \
	"$top/tests/vm/qemu.sh" "$kver" "$out/initrd.img" "$out" "$vm_timeout" \
	"$append" || qemu_rc=$?
secs=$(( $(date +%s) - start ))
[ -z "$tail_pid" ] || kill "$tail_pid" 2>/dev/null || true
echo "bench $kver: VM ran ${secs} s (qemu exit $qemu_rc)"

grep -a '^BENCH' "$out/tests.log" | tr -d '\r' >"$out/raw" || true
# What init itself found wrong (dmesg of the run, module reload, taint).
grep -a '^PSVM-CHECK fail' "$out/tests.log" | tr -d '\r' |
	sed 's/^PSVM-CHECK fail /BENCH vmcheck /' >>"$out/raw" || true
status=ok
if [ $qemu_rc -eq 124 ] || [ $qemu_rc -eq 137 ]; then
	status="VM timed out after ${vm_timeout} s"
elif grep -aq 'Kernel panic' "$out/console.log"; then
	status="kernel panic: $(grep -a -m1 'Kernel panic' "$out/console.log" | tr -d '\r')"
elif ! grep -aq '^BENCH-DONE' "$out/tests.log"; then
	status="the guest stopped before BENCH-DONE"
fi
echo "BENCH status $status" >>"$out/raw"
echo "BENCH vmsecs $secs" >>"$out/raw"

awk -v kver="$kver" -v vm="$vmdesc" -v clock="$clock" -f "$here/report.awk" "$out/raw" | tee "$out/results.txt"
# A check that failed (a peer not ready, a psbench error...) is an error.
if ! tail -n 1 "$out/results.txt" | grep -q ' 0 errors$'; then
	echo "bench $kver: errors, see Checks in $out/results.txt" >&2
	[ "$status" != ok ] || exit 1
fi
if [ "$status" != ok ]; then
	echo "bench $kver: $status; last lines of $out/console.log:" >&2
	tail -n 30 "$out/console.log" | tr -d '\r' >&2
	exit 1
fi
