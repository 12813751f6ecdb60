# SPDX-License-Identifier: GPL-2.0
#
# report.awk: the raw "BENCH ..." lines of one benchmark boot (guest.sh)
# into the table of `make bench`.  POSIX awk (Debian's mawk).
#
#   awk -v kver=K -v vm="12G, 2 vCPUs" -f report.awk build/bench/K/raw
#
# Every ratio is taken inside one repetition (the same boot, states visited
# in a rotated order); a row shows the median over the repetitions and the
# spread, min..max.  Throughput ratios are time ratios: no-module
# throughput / state throughput, so 1.20x means 20% more time per page.

function fail_row(msg) { notes[++nnotes] = msg }

# Sorted copy of list a[1..n] into s[1..n].
function sort_list(a, n, s,    i, j, t) {
	for (i = 1; i <= n; i++)
		s[i] = a[i]
	for (i = 2; i <= n; i++) {
		t = s[i]
		for (j = i - 1; j >= 1 && s[j] > t; j--)
			s[j + 1] = s[j]
		s[j + 1] = t
	}
}

# Sets MED, LO, HI from a[1..n]; returns n.
function stats(a, n,    s) {
	if (n < 1) {
		MED = LO = HI = ""
		return 0
	}
	sort_list(a, n, s)
	MED = n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
	LO = s[1]
	HI = s[n]
	return n
}

# A plain number: 3 significant digits, no exponent.
function num(v) {
	return v >= 100 ? sprintf("%.0f", v) : sprintf("%.3g", v)
}

function fmt(v, unit) {
	if (v == "")
		return "n/a"
	if (unit == "x")
		return sprintf("%.2fx", v)
	if (unit == "B")
		return sprintf("%.2f B", v)
	if (unit == "r")
		return sprintf("%.3f", v)
	if (unit == "n")
		return num(v)
	return sprintf("%.3g %s", v, unit)
}

function spread(unit) {
	if (LO == "")
		return ""
	if (unit == "x")
		return sprintf("%.2f..%.2f", LO, HI)
	if (unit == "r")
		return sprintf("%.3f..%.3f", LO, HI)
	if (unit == "n")
		return num(LO) ".." num(HI)
	return sprintf("%.3g..%.3g", LO, HI)
}

# A time unit of the guest's clock: under -icount (clock "instr") one ns
# of the guest's clock is one executed instruction.
function tu(u) {
	if (clock != "instr")
		return u " wall"
	return u == "ns" ? "instr" : u == "us" ? "k instr" : u == "ms" ? \
		"M instr" : u == "s" ? "G instr" : u
}

# One table row, its unit U (a global: "x instr" for a ratio of
# instruction counts, "ms wall", "B"...).  verdict: PASS, MISS, or "" for
# a figure with no target.
function row(id, what, value, spr, target, verdict) {
	if (verdict == "")
		verdict = "-"
	printf "%-2s %-54s %12s %-9s %-15s %-9s %s\n", id, what, value, U, spr,
		target, verdict
	if (verdict == "MISS")
		misses++
	else if (verdict == "PASS")
		passes++
}

# A row from a[1..n] against "<= limit" (limit "" for none); a ratio of
# times ("x") is a ratio of instructions under -icount.
function ratio_row(id, what, a, n, unit, limit,    v) {
	U = unit == "x" ? "x " (clock == "instr" ? "instr" : "wall") : \
		unit == "r" ? "ratio" : unit
	stats(a, n)
	if (limit == "" || MED == "")
		v = MED == "" && limit != "" ? "n/a" : ""
	else
		v = MED <= limit ? "PASS" : "MISS"
	row(id, what, fmt(MED, unit), spread(unit), \
		limit == "" ? "" : "<= " limit (unit == "x" ? "x" : ""), v)
}

# The rows of a fork section: ns[state, rep] the fastest fork of each.
function fork_rows(id, ns, maxrep, audit_limit,    r, n, na, np_, f0, base, rp, ra) {
	for (r = 1; r <= maxrep; r++) {
		if (!(("nomod" SUBSEP r) in ns)) continue
		f0 = ns["nomod" SUBSEP r]
		base[++n] = f0 / 1e6
		if (("psh" SUBSEP r) in ns) rp[++np_] = ns["psh" SUBSEP r] / f0
		if (("audit" SUBSEP r) in ns) ra[++na] = ns["audit" SUBSEP r] / f0
	}
	stats(base, n)
	U = tu("ms")
	row(id, "fork: no module", fmt(MED, "n"), spread("n"), "limit", "")
	ratio_row(id, "fork: pinshadow, audit off", rp, np_, "x", "")
	ratio_row(id, "fork: pinshadow, audit on", ra, na, "x", audit_limit)
}

# The ratios of dnomod's pages/s to STATE's, per repetition of KIND, in
# out[1..n]; returns n.
function diag_ratios(state, kind, out,    r, n, k0, k) {
	delete out
	for (r = 1; r <= maxrep; r++) {
		k0 = "dnomod" SUBSEP kind SUBSEP 1 SUBSEP r
		k = state SUBSEP kind SUBSEP 1 SUBSEP r
		if ((k0 in pps) && (k in pps))
			out[++n] = pps[k0] / pps[k]
	}
	return n + 0
}

function section(title) {
	printf "\n%s\n", title
}

BEGIN {
	nnotes = 0; misses = 0; passes = 0; if (clock == "") clock = "wall"
	# Section D: each diagnostic state of guest.sh, and its row.
	ndiag = split("doff dpsh dres dledger dkretprobe dfprobe", diag_state, " ")
	diag_what[1] = "probes armed, counting disabled"
	diag_what[2] = "counting (pinshadow, audit off)"
	diag_what[3] = "counting, every page already pinned"
	diag_what[4] = "counting, folio_ledger=1 (per-folio probes)"
	diag_what[5] = "no pinshadow; kretprobes, empty handlers"
	diag_what[6] = "no pinshadow; fprobe, empty handlers"
}

$1 != "BENCH" { next }

# Pin-loop figures: BENCH STATE REP pin KIND THREADS PPS NS ITERS LARGE
$4 == "pin" && $3 ~ /^[0-9]+$/ {
	key = $2 SUBSEP $5 SUBSEP $6 SUBSEP $3
	pps[key] = $7
	nsc[key] = $8
	if ($6 > maxthr)
		maxthr = $6
	if ($3 > maxrep)
		maxrep = $3
	large = ($5 ~ /^thp/) ? $5 : ""
	if ($5 ~ /^thp/ && $10 != 512)
		fail_row(sprintf("%s %s rep %s: %s of 512 pages in a THP (not PMD-mapped?)", $2, $5, $3, $10))
	if ($5 ~ /^4k/ && $10 != 0)
		fail_row(sprintf("%s %s rep %s: %s pages in a large folio", $2, $5, $3, $10))
	next
}
# Anything else a pin-loop state printed is an error of psbench.
$2 ~ /^(nomod|psh|audit|bpf|nost|dnomod|doff|dpsh|dres|dledger|dkretprobe|dfprobe)$/ && $3 ~ /^[0-9]+$/ {
	line = $0
	sub(/^BENCH /, "", line)
	fail_row("psbench: " line)
	next
}
$2 == "fork" { fork_ns[$3 SUBSEP $4] = $5; if ($4 > maxfrep) maxfrep = $4; next }
$2 == "bigfork" { big_ns[$3 SUBSEP $4] = $5; if ($4 > maxbrep) maxbrep = $4; next }
$2 == "gup" {
	gup_ns[$3 SUBSEP $4 SUBSEP $5] = $6; gup_pc[$5] = 1
	if ($4 > maxgrep) maxgrep = $4
	next
}
$2 == "info" && $3 == "gup_test" { gup_none = 1; next }
$2 == "mem" && $4 == "pages" { mpages[$3] = $5; mregions[$3] = $7; next }
$2 == "mem" && $4 == "table_bytes" {
	# after_unpin appears once per case: number them.
	name = $3
	if (name == "after_unpin")
		name = "after_unpin" (++nafter)
	table[name] = $5; sticky[name] = $7; record[name] = $9
	blocks[name] = $11; pinned[name] = $13
	next
}
$2 == "scale" && $4 == "stats_ns" {
	for (i = 4; i < NF; i += 2) {
		if ($i == "stats_ns") sc_stats[$3] = $(i + 1)
		else if ($i == "lookup_pfn_ns") sc_pfn[$3] = $(i + 1)
		else if ($i == "lookup_addr_ns") sc_addr[$3] = $(i + 1)
		else if ($i == "stats_vs_meminfo") sc_rel[$3] = $(i + 1)
	}
	next
}
$2 == "scale" && $3 == "fault_ns" { s_fault = $4; next }
$2 == "scale" && $3 == "pin_ns" { s_pin = $4; s_calls = $6; next }
$2 == "scale" && $3 == "unpin_ns" { s_unpin = $4; next }
$2 == "scale" && $3 == "pins_read" {
	s_rows = $5; s_bytes = $7; s_total = $9; s_first = $11; s_gap = $13
	next
}
$2 == "check" {
	check[$3] = $4
	if ($4 != "ok") {
		line = $0
		sub(/^BENCH check /, "", line)
		fail_row("check failed: " line)
	}
	next
}
$2 == "vmcheck" { line = $0; sub(/^BENCH vmcheck /, "", line); fail_row("VM runner check failed: " line); next }
$2 == "status" { line = $0; sub(/^BENCH status /, "", line); status = line; next }
$2 == "vmsecs" { vmsecs = $3; next }
$2 == "skip" { fail_row("state " $4 " skipped in repetition " $5 " (" $3 ")"); next }
$2 == "info" && $3 == "peer" && $5 == "startup_s" { peer = $4; peer_start = $6; next }
$2 == "info" && $3 == "peer" && $5 == "failed:" { peer_failed[$4] = 1; next }
$2 == "info" && $3 == "peer-verbose" && /is not a struct|invalid bpf_context/ {
	line = $0; sub(/^BENCH info peer-verbose /, "", line)
	peer_why = peer_why (peer_why == "" ? "" : "; ") line
	next
}
$2 == "info" && $3 == "capture_stacks" { stacks = $4; next }
$2 == "info" && $3 == "peer_ready" { peer_tries = peer_tries " " $5 "/" $7; next }
$2 == "info" && $3 == "params" {
	reps = $5; ms = $7; forks = $9; big_mb = $11; big_pin_mb = $13; next
}
$2 == "info" && $3 == "kernel" && $5 == "cpus" { cpus = $6; memkb = $8; next }
$2 == "info" && $3 == "kernel_log" {
	line = $0; sub(/^BENCH info kernel_log /, "", line)
	fail_row("kernel log during " line)
	next
}
$2 == "info" && $3 == "bigfork_audit_stats" {
	for (i = 5; i < NF; i++)
		if ($i ~ /^(cow_(walk_max_ns|judge_max_ns|unwalked|unaudited|examined|needless_copies)|lost_events)$/)
			big_stat[$i] = big_stat[$i] " " $(i + 1)
	next
}
$2 == "info" && $3 == "fork_audit_stats" {
	for (i = 5; i < NF; i++)
		if ($i == "cow_examined") audit_examined = $(i + 1)
		else if ($i == "cow_copied") audit_copied = $(i + 1)
	next
}

END {
	printf "pinshadow benchmark: %s, QEMU TCG (%s), %s repetitions", kver, vm, reps
	printf "\n(pin loops: fastest of 4 runs sharing %s ms; fork: fastest of %s forks)\n", ms, forks
	printf "Each row: median over the repetitions [min..max] of a figure taken within one\n"
	printf "repetition of one boot; ratios are time per page (or per fork) against no module.\n"
	if (clock == "instr")
		printf "Unit: the guest's clock under QEMU -icount shift=0 counts executed instructions\n(1 ns = 1 instruction, all vCPUs on one clock): \"x instr\" is a ratio of instruction\ncounts, \"k instr\" a thousand instructions. The host's load does not move them.\n"
	else
		printf "Unit: the host's wall time as the guest sees it (\"x wall\": a ratio of times);\nthe host's other load moves these figures.\n"
	printf "\n%-2s %-54s %12s %-9s %-15s %-9s %s\n", "#", "measurement", "median", \
		"unit", "spread", "target", "result"

	# 1. Pin + unpin throughput.
	section("1. pin_user_pages_fast + unpin_user_pages, timed in the kernel (pinshadow_bench.ko)")
	nk = split("4k:1 4k:64 4k:512 thp:512", kinds, " ")
	for (t = 1; t <= maxthr; t++) {
		for (k = 1; k <= nk; k++) {
			kind = kinds[k]
			label = sprintf("%s, %d thr", \
				kind == "thp:512" ? "THP, 512-page batch" : \
				sprintf("4 KiB, batch %s", substr(kind, 4)), t)
			limit = kind == "4k:1" ? 2 : (kind ~ /512$/ ? 1.2 : "")
			n = 0; na = 0; nb = 0; nr = 0; nra = 0; nn = 0; nsk = 0
			delete base; delete rp; delete ra; delete rb; delete ab; delete aab
			delete rn; delete sk
			for (r = 1; r <= maxrep; r++) {
				k0 = "nomod" SUBSEP kind SUBSEP t SUBSEP r
				if (!(k0 in pps) || pps[k0] <= 0)
					continue
				p0 = pps[k0]
				base[++n] = 1e9 / p0
				kp = "psh" SUBSEP kind SUBSEP t SUBSEP r
				ka = "audit" SUBSEP kind SUBSEP t SUBSEP r
				kb = "bpf" SUBSEP kind SUBSEP t SUBSEP r
				if (kp in pps) rp[++np_] = p0 / pps[kp]
				if (ka in pps) ra[++na] = p0 / pps[ka]
				if (kb in pps) rb[++nb] = p0 / pps[kb]
				kn = "nost" SUBSEP kind SUBSEP t SUBSEP r
				if (kn in pps) rn[++nn] = p0 / pps[kn]
				# Stack capture per pin call: the time per call
				# (pin + unpin of a batch) with it less without.
				if ((kn in nsc) && (kp in nsc)) sk[++nsk] = nsc[kp] - nsc[kn]
				if ((kb in pps) && pps[kb] < p0) {
					addb = 1 / pps[kb] - 1 / p0
					if (kp in pps) ab[++nr] = (1 / pps[kp] - 1 / p0) / addb
					if (ka in pps) aab[++nra] = (1 / pps[ka] - 1 / p0) / addb
				}
			}
			stats(base, n)
			U = tu("ns") "/pg"
			row("1", label ": no module, per page", fmt(MED, "n"), \
				spread("n"), "limit", "")
			ratio_row("1", label ": pinshadow, audit off", rp, np_, "x", limit)
			ratio_row("1", label ": pinshadow, audit on", ra, na, "x", limit)
			ratio_row("1", label ": bpftrace peer", rb, nb, "x", "")
			ratio_row("1", label ": psh added / bpf added", ab, nr, "r", "0.333")
			ratio_row("1", label ": psh+audit added / bpf added", aab, nra, "r", "0.333")
			if (nn) {
				ratio_row("1", label ": pinshadow, capture_stacks=0", rn, nn, "x", limit)
				stats(sk, nsk)
				U = tu("ns") "/call"
				row("1", label ": stack capture, per pin call", fmt(MED, "n"), \
					spread("n"), "", "")
			}
			np_ = 0
		}
	}
	if (peer != "")
		printf "     bpftrace peer: %s (ready %.1f s after start)\n", peer, peer_start
	if (stacks == "none")
		printf "     capture_stacks=0 not measured: the module has no such parameter (modinfo)\n"
	if (peer_tries != "")
		printf "     peer readiness: map dumps until the 8 held pages showed / were gone, per start:%s\n", peer_tries
	if ("peer.bt" in peer_failed)
		printf "     peer.bt (fentry/fexit) refused: %s\n", peer_why == "" ? "see raw" : peer_why

	# Diagnostics: where the time goes.
	have_diag = 0
	for (key in pps) {
		split(key, kk, SUBSEP)
		if (kk[1] == "dnomod") have_diag = 1
	}
	if (have_diag) {
		section("D. where pinshadow's time goes: 1 thread, time vs no module (no target)")
		for (k = 1; k <= nk; k++) {
			kind = kinds[k]
			no = 0
			delete nsb
			for (r = 1; r <= maxrep; r++) {
				k0 = "dnomod" SUBSEP kind SUBSEP 1 SUBSEP r
				if (k0 in pps)
					nsb[++no] = 1e9 / pps[k0]
			}
			stats(nsb, no)
			U = tu("ns") "/pg"
			row("D", kind ": no module, per page", fmt(MED, "n"), spread("n"), "", "")
			for (d = 1; d <= ndiag; d++) {
				n = diag_ratios(diag_state[d], kind, dr)
				ratio_row("D", kind ": " diag_what[d], dr, n, "x", "")
			}
		}
	}

	# 2. Fork.
	section("2. fork() of 1 GiB of anonymous 4 KiB pages, 64 MiB of it pinned")
	fork_rows("2", fork_ns, maxfrep, 2)
	if (audit_examined != "")
		printf "     audit on: cow_examined %s, cow_copied %s (%s forks + 1 warm-up)\n", \
			audit_examined, audit_copied, forks

	# 2b. Fork of a large VMA, the audit at its bound.
	if (maxbrep) {
		section(sprintf("2b. fork() of a %d MiB VMA, its first %d MiB written and pinned, the rest the zero page", \
			big_mb, big_pin_mb))
		fork_rows("2b", big_ns, maxbrep, "")
		printf "     audit on, per repetition: longest walk (entry handler, preemption off)%s %s, longest judging (return handler)%s %s\n", \
			big_stat["cow_walk_max_ns"], tu("ns"), big_stat["cow_judge_max_ns"], tu("ns")
		printf "     audit on, per repetition: cow_examined%s, cow_unwalked%s pages, cow_unaudited%s, cow_needless_copies%s, lost_events%s\n", \
			big_stat["cow_examined"], big_stat["cow_unwalked"], big_stat["cow_unaudited"], \
			big_stat["cow_needless_copies"], big_stat["lost_events"]
	}

	# G. gup_test's own loop.
	if (maxgrep || gup_none) {
		section("G. the kernel's own loop: PIN_FAST_BENCHMARK of mm/gup_test.c, 4 KiB pages, 16384 per ioctl")
		if (gup_none)
			print "     this kernel has no CONFIG_GUP_TEST"
		for (pc = 1; pc <= 512; pc++) {
			if (!(pc in gup_pc)) continue
			n = 0; np_ = 0
			delete base; delete rp
			for (r = 1; r <= maxgrep; r++) {
				k0 = "nomod" SUBSEP r SUBSEP pc
				kp = "psh" SUBSEP r SUBSEP pc
				if (!(k0 in gup_ns) || gup_ns[k0] <= 0) continue
				base[++n] = gup_ns[k0]
				if (kp in gup_ns) rp[++np_] = gup_ns[kp] / gup_ns[k0]
			}
			stats(base, n)
			U = tu("ns") "/pg"
			row("G", sprintf("batch %d: no module, per page", pc), fmt(MED, "n"), spread("n"), "limit", "")
			ratio_row("G", sprintf("batch %d: pinshadow, audit off", pc), rp, np_, "x", "")
		}
	}

	# 3. Memory.
	section("3. memory: pinshadow's table_bytes (directory + blocks) beyond the empty table")
	e = table["empty"]
	U = ""
	row("3", "empty table (directory only)", e == "" ? "n/a" : e " B", "", "", "")
	if ("dense_thp" in table) {
		v = (table["dense_thp"] - e) / pinned["dense_thp"]
		row("3", sprintf("dense: 1 GiB THP-backed, %d pages, %d regions", \
			pinned["dense_thp"], mregions["dense_thp"]), fmt(v, "B") "/pg", "", \
			"<= 8 B", v <= 8 ? "PASS" : "MISS")
		row("3", "  dense THP: after unpin, = empty", table["after_unpin1"] " B", "", \
			"= " e, table["after_unpin1"] == e ? "PASS" : "MISS")
	}
	if ("dense_4k" in table) {
		v = (table["dense_4k"] - e) / pinned["dense_4k"]
		row("3", sprintf("dense: 1 GiB of 4 KiB pages, %d regions", \
			mregions["dense_4k"]), fmt(v, "B") "/pg", "", "", "")
		row("3", "  dense 4 KiB: after unpin, = empty", table["after_unpin2"] " B", "", \
			"= " e, table["after_unpin2"] == e ? "PASS" : "MISS")
	}
	if ("sparse" in table) {
		v = (table["sparse"] - e) / mregions["sparse"]
		row("3", sprintf("sparse: 1 page in each of %d regions", mregions["sparse"]), \
			sprintf("%.0f B", v) "/rg", "", "<= 2150 B", v <= 2150.4 ? "PASS" : "MISS")
		row("3", "  sparse: after unpin, = empty", table["after_unpin3"] " B", "", \
			"= " e, table["after_unpin3"] == e ? "PASS" : "MISS")
		row("3", "  sparse: sticky_bytes per region (not in table)", \
			sprintf("%.0f B", sticky["sparse"] / mregions["sparse"]) "/rg", "", "", "")
		row("3", "  sparse: record_bytes per region (not in table)", \
			sprintf("%.0f B", record["sparse"] / mregions["sparse"]) "/rg", "", "", "")
		row("3", "  sparse: sticky_bytes after unpin (kept to reset)", sticky["after_unpin3"] " B", "", "", "")
	}

	# 4. Scale.
	section("4. scale: pins held at once, reading pins / stats / lookup")
	U = ""
	if ("scale" in pinned) {
		row("4", "pinned pages held at once (stats pinned_pages)", pinned["scale"], "", \
			">= 2000000", pinned["scale"] >= 2000000 ? "PASS" : "MISS")
		row("4", "  table_bytes per pinned page", \
			fmt((table["scale"] - table["scale_empty"]) / pinned["scale"], "B") "/pg", "", "", "")
		U = tu("s")
		row("4", sprintf("  fault-in, pin (%d calls), unpin", s_calls), \
			sprintf("%.1f %.2f %.2f", s_fault / 1e9, s_pin / 1e9, s_unpin / 1e9), "", "", "")
		U = ""
	}
	if (s_rows != "") {
		ok = s_rows == pinned["scale"] && check["scale_log"] == "ok"
		U = tu("s")
		row("4", sprintf("pins: %d rows, %.0f MB read in", s_rows, s_bytes / 1e6), \
			sprintf("%.2f", s_total / 1e9), "", "streams", ok ? "PASS" : "MISS")
		U = tu("ms")
		row("4", "  pins: first bytes after / longest read gap", \
			sprintf("%.1f / %.1f", s_first / 1e6, s_gap / 1e6), "", "", "")
		U = ""
		row("4", "  kernel log: soft lockup, RCU stall, hung task", \
			check["scale_log"] == "ok" ? "none" : "FOUND", "", "none", \
			check["scale_log"] == "ok" ? "PASS" : "MISS")
	}
	if ("pinned" in sc_stats) {
		e0 = sc_stats["empty"]; e1 = sc_stats["unpinned"]
		ref = e1 == "" ? e0 : (e0 + e1) / 2
		U = tu("us")
		row("4", "stats read, empty table before / after", \
			sprintf("%.1f / %.1f", e0 / 1e3, e1 / 1e3), "", "", "")
		row("4", sprintf("stats read, %d pinned", pinned["scale"]), \
			sprintf("%.1f", sc_stats["pinned"] / 1e3), "", "", "")
		U = "x " (clock == "instr" ? "instr" : "wall")
		# O(1): the time relative to a /proc/meminfo read taken just
		# before, pinned against empty (the host's load cancels out).
		r0 = sc_rel["empty"]; r1 = sc_rel["unpinned"]
		v = sc_rel["pinned"] / (r1 == "" ? r0 : (r0 + r1) / 2)
		row("4", "  stats O(1): pinned vs empty, each per meminfo read", \
			sprintf("%.2fx", v), sprintf("%.2f/%.2f/%.2f", r0, sc_rel["pinned"], r1), \
			"<= 1.5x", v <= 1.5 ? "PASS" : "MISS")
		if (sc_pfn["unpinned"] > 0) {
			U = tu("us")
			row("4", "lookup 'pfn N' of a pinned page, vs unpinned", \
				sprintf("%.1f", sc_pfn["pinned"] / 1e3), \
				sprintf("%.2fx", sc_pfn["pinned"] / sc_pfn["unpinned"]), "", "")
			row("4", "lookup 'pid P addr A', pinned, vs unpinned", \
				sprintf("%.1f", sc_addr["pinned"] / 1e3), \
				sprintf("%.2fx", sc_addr["pinned"] / sc_addr["unpinned"]), "", "")
		}
	}
	U = ""
	if ("scale_after_unpin" in table)
		row("4", "  after unpin, = empty", table["scale_after_unpin"] " B", "", \
			"= " table["scale_empty"], \
			table["scale_after_unpin"] == table["scale_empty"] ? "PASS" : "MISS")

	section("Checks")
	if ("peer_exact" in check)
		printf "     bpftrace peer exact (8 held pages = its map): %s\n", check["peer_exact"]
	for (i = 1; i <= nnotes; i++)
		printf "     %s\n", notes[i]
	printf "     VM: %s, %s s\n", status == "" ? "unknown" : status, vmsecs
	printf "\n%d PASS, %d MISS, %d errors\n", passes, misses, nnotes
}
