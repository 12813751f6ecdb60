#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark inside the VM (installed as /tests/bench and run by
# tests/vm/init, which has loaded pinshadow_test_helper and pinshadow).
# Prints raw figures as "BENCH ..." lines; tests/bench/report.awk on the
# host makes the table.  Parameters come from the kernel command line
# (the kernel hands unknown parameters to init, init to us):
#
#   bench_reps=N          repetitions of every ratio (default 7)
#   bench_ms=N            milliseconds per pin-loop measurement (default 200)
#   bench_forks=N         forks per process and repetition (default 3)
#   bench_scale_pages=N   pages pinned at once in the scale test (2000000)
#   bench_sections=LIST   any of pin,diag,fork,bigfork,gup,mem,scale
#                         (default all but bigfork)
#   bench_bigfork_mb=N, bench_bigfork_pin_mb=N: the bigfork VMA (16384 MiB)
#                         and its written and pinned part (1024 MiB)
#   bench_perf=1          also profile the pin loop and fork with perf
#   bench_perf_states, bench_perf_fork_states: which states bench_perf
#                         profiles (default "nomod audit bpf", "nomod audit")
#   bench_clock=instr|wall  what the guest's clock counts (run.sh: instr
#                         under QEMU -icount, wall otherwise); only printed
#
# States: nomod (pinshadow unloaded: the limit), psh (loaded, COW audit
# off), audit (loaded, audit on), bpf (pinshadow unloaded, the bpftrace
# peer running), nost (psh loaded with capture_stacks=0: no stack per pin
# call; only when the module has that parameter).  Every repetition visits every state, in a rotated order,
# so that each ratio is taken within one repetition of the same boot.
set -u

REPS=${bench_reps:-7}
MS=${bench_ms:-200}
FORKS=${bench_forks:-3}
SCALE_PAGES=${bench_scale_pages:-2000000}
SECTIONS=$(echo "${bench_sections:-pin,diag,fork,gup,mem,scale}" | tr , ' ')
BIG_MB=${bench_bigfork_mb:-16384}
BIG_PIN_MB=${bench_bigfork_pin_mb:-1024}
PERF=${bench_perf:-0}
PS=/sys/kernel/debug/pinshadow
LIB=/lib/pinshadow-bench
PSKO=${PINSHADOW_KO:-/lib/pinshadow/pinshadow.ko}
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu

say() { echo "BENCH $*"; }
info() { echo "BENCH info $*"; }
loaded() { grep -q "^$1 " /proc/modules; }
has() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }
now() { cut -d' ' -f1 /proc/uptime; }

# psh_load [PARAMS]: pinshadow loaded with exactly PARAMS (reloaded if not).
# init loaded it with the tests' parameters ($PINSHADOW_PARAMS): the first
# psh_load reloads it, so that "psh" measures the defaults.
PSH_PARAMS=boot:${PINSHADOW_PARAMS:-}
psh_load() {
	if loaded pinshadow && [ "$PSH_PARAMS" != "${1:-}" ]; then
		rmmod pinshadow || say check rmmod fail
	fi
	PSH_PARAMS=${1:-}
	loaded pinshadow || insmod "$PSKO" $PSH_PARAMS || say check insmod fail
}
psh_unload() {
	! loaded pinshadow || rmmod pinshadow || say check rmmod fail
}

# The bpftrace peer: peer.bt (fentry/fexit), else peer-kprobe.bt.
#
# Ready means counting, checked, not assumed: bpftrace runs BEGIN (which
# prints PEER-READY) BEFORE it attaches the script's other probes ("begin
# is triggered before all other probes are attached", bpftrace's language
# reference), and 0.17 prints "Attaching N probes..." before attaching
# too.  A measurement started on either sign alone can run with some or
# none of the probes attached: the peer then looks cheap.  So peer_ready
# holds 8 pages pinned (pin_user_pages_fast) and asks the peer for its
# maps (SIGUSR1) until exactly those 8 PFNs have count 1, then releases
# them (unpin_user_pages) and asks until the map is empty: both probes
# count.  Not ready within PEER_READY_S seconds: an error, not a figure.
PEER_SCRIPT=
PEER_PID=
PEER_READY_S=${bench_peer_ready_s:-120}
peer_start() {
	for script in ${PEER_SCRIPT:-peer.bt peer-kprobe.bt}; do
		t0=$(now)
		t_end=$(( $(date +%s) + PEER_READY_S ))
		: >/tmp/peer.out
		peer_script "$script"
		bpftrace "/tmp/$script" >>/tmp/peer.out 2>&1 &
		PEER_PID=$!
		while kill -0 $PEER_PID 2>/dev/null &&
			! grep -q PEER-READY /tmp/peer.out; do
			if [ "$(date +%s)" -ge $t_end ]; then
				say check peer_ready fail "$script: no PEER-READY in ${PEER_READY_S} s"
				peer_diag
				kill -KILL $PEER_PID
				wait $PEER_PID 2>/dev/null
				PEER_PID=
				return 1
			fi
			sleep 0.2
		done
		if grep -q PEER-READY /tmp/peer.out; then
			if ! peer_ready; then
				say check peer_ready fail "$script: $PEER_WHY"
				peer_diag
				peer_stop
				return 1
			fi
			if [ -z "$PEER_SCRIPT" ]; then
				info peer "$script" startup_s \
					"$(echo "$(now) $t0" | awk '{ print $1 - $2 }')"
			fi
			PEER_SCRIPT=$script
			return 0
		fi
		wait $PEER_PID 2>/dev/null
		info peer "$script" failed:
		grep -v '^ *[~^]* *$' /tmp/peer.out | head -n 20 |
			sed 's/^/BENCH info peer-out /'
		# The verifier's log says why a program was refused.
		timeout 300 bpftrace -v "/tmp/$script" -c /bin/true 2>&1 |
			grep -E "is not a struct|invalid bpf_context|ERROR|Error" | tail -n 6 |
			sed 's/^/BENCH info peer-verbose /' 
	done
	PEER_PID=
	return 1
}

# /tmp/SCRIPT: the peer script for this bpftrace.  Since 0.22 bpftrace no
# longer prints its maps on SIGUSR1 by itself: a self:signal probe does
# (older versions know no such probe, and print them unasked).
peer_script() {
	name=$1
	cp "$LIB/$name" "/tmp/$name"
	ver=$(bpftrace --version 2>/dev/null |
		sed -n 's/^bpftrace v\{0,1\}\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
	set -- $ver
	[ -n "${2:-}" ] || return 0
	if [ "$1" -gt 0 ] || [ "$2" -ge 22 ]; then
		printf '\nself:signal:SIGUSR1\n{\n\tprint(@pins);\n\tprint(@vmemmap);\n}\n' \
			>>"/tmp/$name"
	fi
}

# Where a peer that is not ready is stuck.
peer_diag() {
	tail -n 5 /tmp/peer.out | sed 's/^/BENCH info peer-out /'
	for f in wchan stack; do
		[ -r /proc/$PEER_PID/$f ] &&
			info peer_$f "$(tr '\n' ' ' </proc/$PEER_PID/$f)"
	done
}

# The peer's maps now (SIGUSR1 makes bpftrace print them all): the lines
# of that one print, to stdout.  Every script has @vmemmap.
peer_dump() {
	n0=$(wc -l </tmp/peer.out)
	kill -USR1 $PEER_PID 2>/dev/null || return 1
	last=-1
	i=0
	while [ $i -lt 100 ]; do
		sleep 0.1
		n=$(wc -l </tmp/peer.out)
		if [ "$n" = "$last" ] &&
			tail -n +$((n0 + 1)) /tmp/peer.out | grep -q '^@vmemmap'; then
			tail -n +$((n0 + 1)) /tmp/peer.out
			return 0
		fi
		last=$n
		i=$((i + 1))
	done
	return 1
}

# Whether the peer counts pins and unpins (see above); PEER_WHY if not.
peer_ready() {
	t_end=$(( $(date +%s) + PEER_READY_S ))
	PEER_WHY=
	while ! grep -Eq '^Attach(ing|ed) [0-9]+ probe' /tmp/peer.out; do
		if ! kill -0 $PEER_PID 2>/dev/null || [ "$(date +%s)" -ge $t_end ]; then
			PEER_WHY="no 'Attaching N probes' line"
			return 1
		fi
		sleep 0.2
	done
	rm -f /tmp/ready.release
	: >/tmp/ready.hold
	psbench hold --pages 8 --release /tmp/ready.release >/tmp/ready.hold 2>&1 &
	rhold=$!
	while kill -0 $rhold 2>/dev/null && ! grep -q '^held' /tmp/ready.hold; do
		sleep 0.1
	done
	want=$(sed -n 's/^held //p' /tmp/ready.hold | tr ' ' '\n' | sort -n | tr '\n' ' ')
	pinned=
	got=
	tries=0
	while [ -n "$want" ] && [ "$(date +%s)" -lt $t_end ]; do
		tries=$((tries + 1))
		got=$(peer_dump | sed -n 's/^@pins\[\([0-9]*\)\]: 1$/\1/p' | sort -n | tr '\n' ' ')
		if [ "$got" = "$want" ]; then
			pinned=$tries
			break
		fi
		sleep 0.5
	done
	touch /tmp/ready.release
	wait $rhold
	if [ -z "$pinned" ]; then
		PEER_WHY="8 held pages not in its map after $tries tries (held: $want map: $got)"
		return 1
	fi
	tries=0
	while [ "$(date +%s)" -lt $t_end ]; do
		tries=$((tries + 1))
		left=unknown
		dump=$(peer_dump) && left=$(echo "$dump" | grep -c '^@pins\[')
		if [ "$left" = 0 ]; then
			info peer_ready tries_pin "$pinned" tries_unpin "$tries"
			return 0
		fi
		sleep 0.5
	done
	PEER_WHY="$left map entries left after the 8 pages were unpinned"
	return 1
}
peer_stop() {
	[ -n "$PEER_PID" ] || return 0
	kill -INT $PEER_PID 2>/dev/null
	wait $PEER_PID 2>/dev/null
	PEER_PID=
}

# The peer keeps the same per-PFN count as pinshadow: with 8 pages held by
# the test helper, its map must hold exactly those PFNs, once each.
peer_check() {
	[ -n "$PEER_PID" ] || return 0
	rm -f /tmp/release
	: >/tmp/hold.out
	psbench hold --pages 8 --release /tmp/release >/tmp/hold.out 2>&1 &
	hold_pid=$!
	while kill -0 $hold_pid 2>/dev/null && ! grep -q '^held' /tmp/hold.out; do
		sleep 0.1
	done
	# What the peer prints at exit, not its earlier dumps (peer_ready).
	mark=$(wc -l </tmp/peer.out)
	peer_stop
	tail -n +$((mark + 1)) /tmp/peer.out >/tmp/peer.end
	want=$(sed -n 's/^held //p' /tmp/hold.out | tr ' ' '\n' | sort -n | tr '\n' ' ')
	got=$(sed -n 's/^@pins\[\([0-9]*\)\]: 1$/\1/p' /tmp/peer.end | sort -n | tr '\n' ' ')
	other=$(grep -c '^@pins\[' /tmp/peer.end)
	touch /tmp/release
	wait $hold_pid
	if [ -n "$want" ] && [ "$want" = "$got" ] && [ "$other" -eq 8 ]; then
		say check peer_exact ok "8 held pages, 8 map entries of count 1"
	else
		say check peer_exact fail "held: $want map: $got ($other entries)"
	fi
}

# Diagnostic states (section diag): dnomod = nomod; doff = loaded, probes
# armed, counting disabled (the kprobe machinery alone); dpsh = psh; dres =
# psh with a long-lived pin on every page of the loop (no entry, block or
# record is ever emptied); dledger = psh loaded with folio_ledger=1 (the
# per-folio probes, off by default); dkretprobe, dfprobe = no pinshadow, the
# pin loop's two functions hooked at entry and return with empty handlers
# by kretprobes, or by an fprobe (pinshadow_probe_cost.ko; false, and not
# measured, where the kernel has no fprobe).
set_state() {
	! loaded pinshadow_probe_cost || rmmod pinshadow_probe_cost ||
		say check rmmod_probe_cost fail
	case $1 in
	nomod|dnomod)	psh_unload ;;
	psh|dpsh|dres)	psh_load; echo enable >$PS/control
			echo "audit off" >$PS/control ;;
	audit)	psh_load; echo enable >$PS/control
		echo "audit on" >$PS/control ;;
	nost)	psh_load capture_stacks=0; echo enable >$PS/control
		echo "audit off" >$PS/control ;;
	dledger) psh_load folio_ledger=1; echo enable >$PS/control
		echo "audit off" >$PS/control ;;
	doff)	psh_load; echo "audit off" >$PS/control
		echo disable >$PS/control ;;
	bpf)	psh_unload; peer_start || return 1 ;;
	dkretprobe|dfprobe)
		psh_unload
		# Debian's 6.1 has no fprobe: not measured, and not an error.
		if [ $1 = dfprobe ] && ! grep -q ' register_fprobe_syms$' \
			/proc/kallsyms; then
			info probe_cost fprobe not in this kernel
			return 1
		fi
		insmod $LIB/pinshadow_probe_cost.ko mech=${1#d} ||
			{ say check insmod_probe_cost fail; return 1; } ;;
	esac
	# Let deferred work of the switch (RCU, kprobe optimizer) settle.
	sleep 1
}
end_state() {
	[ "$1" != bpf ] || peer_stop
}

# The states of repetition $1, rotated by one per repetition.
rotate() {
	rep=$1
	shift
	n=$#
	i=0
	while [ $i -lt $n ]; do
		eval "echo \${$(( (i + rep) % n + 1 ))}"
		i=$((i + 1))
	done
}

# pinshadow's files are read through psbench, which uses the one parser.
cow_stats() {
	psbench stat pinned_pages lost_events cow_examined cow_copied cow_shared \
		cow_needless_copies cow_unsafe_shares cow_unaudited \
		cow_unwalked cow_events_dropped cow_walk_max_ns \
		cow_judge_max_ns | tr '\n' ' '
	psbench probes | grep '^copy_page_range '
}

# Kernel log lines since mark $1 (a line count) that mean trouble.
log_mark() { dmesg | wc -l; }
log_bad_since() {
	dmesg | tail -n +$(( $1 + 1 )) |
		grep -E 'soft lockup|hard LOCKUP|rcu.*(stall|detected)|blocked for more than|WARNING:|BUG' |
		head -n 3
}

profile() { # NAME COMMAND...: perf's view while COMMAND runs
	name=$1
	shift
	perf record -q -e cpu-clock -F 4000 -a -g -o /tmp/perf.data -- "$@" \
		>/dev/null 2>/tmp/perf.err || {
		info perf "$name" failed: "$(head -n 3 /tmp/perf.err | tr '\n' ' ')"
		return
	}
	# Self time, then inclusive time (callers get their callees' samples).
	perf report -i /tmp/perf.data --stdio --no-children --sort sym \
		--percent-limit 1 -g none 2>/dev/null |
		grep -E '^ +[0-9]' | head -n 25 | sed "s/^/BENCH perf $name self /"
	perf report -i /tmp/perf.data --stdio --children --sort sym \
		--percent-limit 1 -g none 2>/dev/null |
		grep -E '^ +[0-9]' | head -n 45 | sed "s/^/BENCH perf $name incl /"
	rm -f /tmp/perf.data
}

echo "BENCH-START $(uname -r)"
info kernel "$(uname -r)" cpus "$(grep -c ^processor /proc/cpuinfo)" \
	mem_kb "$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
info params reps "$REPS" ms "$MS" forks "$FORKS" \
	bigfork_mb "$BIG_MB" bigfork_pin_mb "$BIG_PIN_MB" \
	scale_pages "$SCALE_PAGES" sections "$SECTIONS"
info clock "${bench_clock:-wall}"
info bpftrace "$(bpftrace --version 2>&1 | head -n 1)"
info thp "$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo none)"
grep -q tracefs /proc/mounts || mount -t tracefs tracefs /sys/kernel/tracing
insmod $LIB/pinshadow_bench.ko || say check insmod_bench fail
loaded pinshadow || say check pinshadow_loaded fail
# The stack capture's cost (state nost), when the module can turn it off:
# the loaded module says so in sysfs (busybox's modinfo has no -F).
PIN_STATES="nomod psh audit bpf"
if [ -e /sys/module/pinshadow/parameters/capture_stacks ]; then
	PIN_STATES="$PIN_STATES nost"
	info capture_stacks param
else
	info capture_stacks none
fi
# Two threads only with two CPUs to run them.
NCPU=$(grep -c ^processor /proc/cpuinfo)
THREADS=
[ "$NCPU" -ge 2 ] || THREADS="--threads 1"

# Should the run hang, the task states shortly before init's time limit.
if [ -n "${psvm_timeout:-}" ] && [ "$psvm_timeout" -gt 120 ]; then
	(sleep $((psvm_timeout - 60)); echo w >/proc/sysrq-trigger
	 echo t >/proc/sysrq-trigger) </dev/null >/dev/null 2>&1 &
fi

# 1. Pin + unpin throughput.
if has pin; then
	rep=1
	while [ "$rep" -le "$REPS" ]; do
		for st in $(rotate "$rep" $PIN_STATES); do
			info state "$st" "$rep" "$(now)"
			if ! set_state "$st"; then
				say skip pin "$st" "$rep"
				continue
			fi
			mark=$(log_mark)
			psbench pinloop --ms "$MS" $THREADS 2>&1 | sed "s/^/BENCH $st $rep /"
			bad=$(log_bad_since "$mark")
			[ -z "$bad" ] || info kernel_log pin "$st" "$bad"
			if [ "$st" = bpf ] && [ "$rep" -eq 1 ]; then
				peer_check
			else
				end_state "$st"
			fi
		done
		rep=$((rep + 1))
	done
	info section_done pin "$(now)"
fi

# Where pinshadow's time goes: the pin loop, one thread, by variant.
if has diag; then
	rep=1
	while [ "$rep" -le "$REPS" ]; do
		for st in $(rotate "$rep" dnomod doff dpsh dres dledger dkretprobe \
				dfprobe); do
			set_state "$st" || continue
			opt=
			[ "$st" != dres ] || opt=--resident
			psbench pinloop --ms "$MS" --threads 1 $opt 2>&1 |
				sed "s/^/BENCH $st $rep /"
		done
		rep=$((rep + 1))
	done
	set_state audit
	info section_done diag "$(now)"
fi

# fork_runs TAG PSBENCH_FORK_ARGS...: every repetition, `psbench fork` in
# each of the states nomod, psh and audit, from stats just reset: "BENCH TAG
# STATE REP NS" (the fastest fork), the audit's stats after its state, and
# the kernel log checked for trouble.
fork_runs() {
	tag=$1
	shift
	rep=1
	while [ "$rep" -le "$REPS" ]; do
		for st in $(rotate "$rep" nomod psh audit); do
			set_state "$st"
			[ "$st" = nomod ] || echo reset >$PS/control
			mark=$(log_mark)
			psbench fork "$@" 2>&1 |
				sed -e "s/^fork_min /BENCH $tag $st $rep /" \
				    -e "s/^fork_median /BENCH info ${tag}_median $st $rep /" \
				    -e "s/^fork /BENCH info ${tag}_each $st $rep /" \
				    -e "s/^psbench/BENCH info psbench/"
			bad=$(log_bad_since "$mark")
			[ -z "$bad" ] || info kernel_log "$tag" "$st" "$bad"
			[ "$st" != audit ] ||
				info "${tag}_audit_stats" "$rep" "$(cow_stats)"
			end_state "$st"
		done
		rep=$((rep + 1))
	done
	info section_done "$tag" "$(now)"
}

# 2. Fork of 1 GiB with 64 MiB pinned.
! has fork || fork_runs fork --mem-mb 1024 --pin-mb 64 --forks "$FORKS"

# 2b. Fork of a 16 GiB VMA whose first 1 GiB is written and pinned, the
# rest mapped to the zero page: page tables for all of it, so the audit's
# walk meets its bound (audit_fork_entries) with every entry it reads
# pinned.  The audit's handlers run with preemption off: cow_walk_max_ns
# and cow_judge_max_ns are their longest runs.  The kernel log must stay
# free of lockups and stalls (the debug kernel's detectors).
! has bigfork || fork_runs bigfork --mem-mb "$BIG_MB" \
	--write-mb "$BIG_PIN_MB" --pin-mb "$BIG_PIN_MB" --forks 1

# G. The kernel's own pin loop, PIN_FAST_BENCHMARK of mm/gup_test.c: a
# second measure of the no-module limit, on a kernel with CONFIG_GUP_TEST
# (the debug kernel; Debian's kernels have none).
if has gup; then
	if [ -e /sys/kernel/debug/gup_test ]; then
		rep=1
		while [ "$rep" -le "$REPS" ]; do
			for st in $(rotate "$rep" nomod psh); do
				set_state "$st"
				for per_call in 1 512; do
					psbench gup --per-call "$per_call" 2>&1 |
						sed -n -e "s/^gup /BENCH gup $st $rep /p" \
						    -e "s/^psbench/BENCH info psbench/p"
				done
				end_state "$st"
			done
			rep=$((rep + 1))
		done
	else
		info gup_test none
	fi
	info section_done gup "$(now)"
fi

# 3. Memory.
if has mem; then
	set_state audit
	psbench mem 2>&1 | sed 's/^/BENCH /'
	info section_done mem "$(now)"
fi

# 4. Scale.
if has scale; then
	set_state audit
	mark=$(log_mark)
	psbench scale --pages "$SCALE_PAGES" 2>&1 | sed 's/^/BENCH /'
	bad=$(log_bad_since "$mark")
	if [ -z "$bad" ]; then
		say check scale_log ok
	else
		say check scale_log fail "$(echo "$bad" | tr '\n' ' ')"
	fi
	info scale_stats "$(psbench stat lost_events missed_events \
		untracked_unpins pins_outstanding | tr '\n' ' ')"
	info section_done scale "$(now)"
fi

# Where the time goes (bench_perf=1).
if [ "$PERF" = 1 ]; then
	for st in $(echo "${bench_perf_states:-nomod audit bpf}" | tr , ' '); do
		set_state "$st" || continue
		for kind in 4k:1 4k:512 thp:512; do
			! loaded pinshadow || psbench probes >/tmp/probes.0
			profile "pin:$st:$kind" psbench pinloop --ms 3000 \
				--warm-ms 0 --samples 1 --threads 1 --only "$kind"
			# Probe hits during the loop: which probes fire per call.
			loaded pinshadow && psbench probes |
				awk 'NR == FNR { h[$1] = $4; next }
				$4 - h[$1] > 0 { print $1, $4 - h[$1] }' \
				/tmp/probes.0 - |
				sed "s/^/BENCH perfhits $st:$kind /"
		done
		end_state "$st"
	done
	for st in ${bench_perf_fork_states:-nomod audit}; do
		set_state "$st"
		profile "fork:$st" psbench fork --mem-mb 1024 --pin-mb 64 --forks 2
		end_state "$st"
	done
	info section_done perf "$(now)"
fi

# Leave what init expects: both modules loaded.
psh_load
echo "audit on" >$PS/control
rmmod pinshadow_bench
echo "BENCH-DONE"
