#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-VM tests of the pinshadow CLI against the live module (busybox sh, TAP).
# Every subcommand, every error path, and --json parsed back and checked
# against the module's own files.  Needs root, the module loaded, pinload.
#
#   PINSHADOW_BIN   the CLI (default: pinshadow on PATH, else /usr/bin)
#   PINLOAD_BIN     the workload generator (likewise)
#   PINSHADOW_KO    the module, reloaded after the not-loaded tests
#                   (default /lib/pinshadow/pinshadow.ko)
#
# Leaves the module loaded and kills every pinload it started.
set -u

find_bin() { # NAME ENVVALUE
	if [ -n "$2" ]; then echo "$2"; return; fi
	command -v "$1" 2>/dev/null || echo "/usr/bin/$1"
}
PS=$(find_bin pinshadow "${PINSHADOW_BIN:-}")
PL=$(find_bin pinload "${PINLOAD_BIN:-}")
KO=${PINSHADOW_KO:-/lib/pinshadow/pinshadow.ko}
DBG=/sys/kernel/debug
D=$DBG/pinshadow
T=$(mktemp -d /tmp/pinshadow_cli.XXXXXX)
PIDS=

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n $1"
	shift
	[ $# -gt 0 ] && echo "# $*"
	for f in "$T/out" "$T/err"; do
		[ -s "$f" ] && sed -n '1,15s/^/#   /p' "$f"
	done
	return 0
}
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }
# check NAME CONDITION...: one test from a shell condition.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}

# run ARGS...: the CLI, stdout in $T/out, stderr in $T/err, status in $rc.
run() {
	"$PS" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}
# expect_rc NAME CODE ARGS...
expect_rc() {
	name=$1 code=$2
	shift 2
	run "$@"
	if [ "$rc" -eq "$code" ]; then ok "$name"; else
		not_ok "$name" "exit $rc, wanted $code: pinshadow $*"; fi
}
out_has() { grep -q -- "$1" "$T/out"; }
err_has() { grep -q -- "$1" "$T/err"; }

# A value of the module's stats file, read raw: the oracle this test holds
# the CLI's (and its library's) reading against.
stat() { awk -v k="$1" '$1 == k { print $2 }' "$D/stats"; }
# Sum of a column of the pins table.
pins_sum() { awk -v c="$1" 'NR > 1 { s += $c } END { print s + 0 }' "$D/pins"; }
# First "KEY": VALUE in the data of a JSON document (indent selects the
# nesting level within the data; the envelope adds two spaces).
jval() { # FILE INDENT KEY
	awk -v pat="^  $2\"$3\": " '$0 ~ pat {
		sub(pat, ""); sub(/,$/, ""); gsub(/"/, ""); print; exit }' "$1"
}
# Sum of KEY over the runs of process PID in `pins --json` output.
run_sum() { # FILE PID KEY
	awk -v pid="$2" -v key="$3" '
		/^      \{/ { cur = "" }
		/^        "pid": / { v = $2; sub(/,/, "", v); cur = v }
		cur == pid && $0 ~ "^        \"" key "\": " {
			v = $2; sub(/,/, "", v); s += v }
		END { print s + 0 }' "$1"
}
# key=value from a pinload report line.
kv() { # FILE KEY
	tr ' ' '\n' <"$1" | awk -F= -v k="$2" '$1 == k { print $2; exit }'
}
# Wait until FILE has PATTERN, up to SECONDS.
wait_for() { # FILE PATTERN SECONDS
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $(($3 * 10)) ] && return 1
		usleep 100000
	done
}
# Start a pinload scenario in the background; its report goes to $T/NAME.
start_pinload() { # NAME ARGS...
	f=$T/$1
	shift
	"$PL" "$@" >"$f" 2>&1 &
	PIDS="$PIDS $!"
	wait_for "$f" '^holding' 60
}
# Wait until pins_outstanding is back to VALUE (unpins may be deferred).
wait_outstanding() { # VALUE SECONDS
	i=0
	while [ "$(stat pins_outstanding)" != "$1" ]; do
		i=$((i + 1))
		[ $i -gt $(($2 * 10)) ] && return 1
		usleep 100000
	done
}
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	PIDS=
}
trap 'cleanup; rm -rf "$T"' EXIT

if [ ! -x "$PS" ] || [ ! -x "$PL" ] || [ ! -d "$D" ]; then
	echo "1..0 # SKIP needs $PS, $PL and the module loaded"
	exit 0
fi

# --- status on a quiet system ---------------------------------------------
base_out=$(stat pins_outstanding)
expect_rc "status exits 0" 0 status
check "status says self-check: OK" out_has '^self-check: OK$'
check "status names the kernel" out_has "^kernel      $(uname -r)$"
armed=$(awk 'NR > 1 && $3 == 1' "$D/probes" | wc -l)
check "status counts armed probes like the probes file" \
	out_has "^probes      $armed armed"
expect_rc "status --json exits 0" 0 status --json
cp "$T/out" "$T/status.json"
check "status --json: self_check ok" [ "$(jval "$T/status.json" '    ' ok)" = true ]
check "status --json: abi_version is the module's" \
	[ "$(jval "$T/status.json" '    ' abi_version)" = "$(stat abi_version)" ]
check "status --json: pins_outstanding matches stats" \
	[ "$(jval "$T/status.json" '    ' pins_outstanding)" = "$base_out" ]
check "status --json: armed probes match" \
	[ "$(jval "$T/status.json" '    ' armed)" = "$armed" ]
expect_rc "status --stat exits 0" 0 status --stat pins_outstanding
check "status --stat pins_outstanding matches stats" \
	[ "$(cat "$T/out")" = "$base_out" ]
expect_rc "status --stat of no such line exits 7" 7 status --stat no_such

# --- io_uring fixed buffers, 4 KiB pages ----------------------------------
start_pinload io iouring --size 8M --hold 300
check "pinload iouring holds 8M" grep -q '^scenario=iouring .*pages=2048' "$T/io"
iopid=$(kv "$T/io" pid)
ioaddr=$(kv "$T/io" addr)
ioend=$(kv "$T/io" end)
check "stats: 2048 more pins outstanding" \
	[ "$(stat pins_outstanding)" -eq $((base_out + 2048)) ]

expect_rc "pins exits 0" 0 pins
check "pins shows the buffer as one line" \
	[ "$(grep -c "^$iopid  *pinload  *$ioaddr-$ioend  *2048  *2048  *2048 " "$T/out")" -eq 1 ]
check "pins names the mapping" grep -q "^$iopid .*\[anon\]" "$T/out"
check "pins prints a total" out_has '^total: '

expect_rc "pins --json exits 0" 0 pins --json
cp "$T/out" "$T/pins.json"
check "pins --json: total pins = sum of the pins table" \
	[ "$(jval "$T/pins.json" '    ' pins)" -eq "$(pins_sum 2)" ]
check "pins --json: total pages = rows of the pins table" \
	[ "$(jval "$T/pins.json" '    ' pages)" -eq "$(($(wc -l <"$D/pins") - 1))" ]
check "pins --json: total longterm = sum of the longterm column" \
	[ "$(jval "$T/pins.json" '    ' longterm)" -eq "$(pins_sum 3)" ]
check "pins --json: pinload's runs hold 2048 pins" \
	[ "$(run_sum "$T/pins.json" "$iopid" pins)" -eq 2048 ]
check "pins --json: all long-term" \
	[ "$(run_sum "$T/pins.json" "$iopid" longterm)" -eq 2048 ]
check "pins --json: the run starts at pinload's buffer" \
	grep -q "\"start\": \"$ioaddr\"" "$T/pins.json"

expect_rc "pins --pid exits 0" 0 pins --pid "$iopid" --json
check "pins --pid lists only that process" \
	[ -z "$(grep '^        "pid": ' "$T/out" | grep -v "\"pid\": $iopid,")" ]
check "pins --pid: unmapped is not looked for" out_has '"unmapped": null'
expect_rc "pins --longterm exits 0" 0 pins --longterm --json
check "pins --longterm: only long-term pins" \
	[ "$(jval "$T/out" '    ' pins)" = "$(jval "$T/out" '    ' longterm)" ]
expect_rc "pins --sort age exits 0" 0 pins --sort age
expect_rc "pins --sort pid exits 0" 0 pins --sort pid

# --- conventions: short options, the JSON envelope ---------------------------
expect_rc "pins -p -l -j exits 0" 0 pins -p "$iopid" -l -j
check "pins -j: the envelope names the command" out_has '^  "command": "pins",$'
check "pins -j: the envelope names the kernel" out_has "^  \"kernel\": \"$(uname -r)\",\$"
check "pins -j: the envelope has the module's ABI" \
	out_has "^    \"abi\": $(stat abi_version)\$"
check "pins -p -l: pinload's 2048 long-term pins" \
	[ "$(run_sum "$T/out" "$iopid" longterm)" -eq 2048 ]
expect_rc "pins -- extra is a usage error" 2 pins -- extra
check "the usage error names pins' help" err_has 'pinshadow pins --help'

# --- leak hunting: filters, stacks, save -------------------------------------
expect_rc "pins --older-than 1ms --comm pinload exits 0" 0 \
	pins --older-than 1ms --comm pinload -p "$iopid" -j
check "pins --older-than --comm: pinload's buffer" \
	[ "$(run_sum "$T/out" "$iopid" pins)" -eq 2048 ]
expect_rc "pins --older-than 1d exits 0" 0 pins --older-than 1d
check "pins --older-than 1d: nothing is that old" out_has '^no pinned pages that match$'
if head -n 1 "$D/pins" | grep -qw orphaned; then
	expect_rc "pins --orphaned exits 0" 0 pins --orphaned -j
	check "pins --orphaned: none of pinload's" \
		[ "$(run_sum "$T/out" "$iopid" pins)" -eq 0 ]
	expect_rc "status exits 0 (orphaned)" 0 status
	check "status counts orphaned pins" out_has '^orphaned    [0-9]* pin'
else
	expect_rc "pins --orphaned exits 7 (no orphaned column)" 7 pins --orphaned
fi
if [ -e "$D/stacks" ]; then
	expect_rc "pins --by stack exits 0" 0 pins --by stack
	check "pins --by stack: a stack with frames" grep -q '^    [A-Za-z_].*+0x' "$T/out"
	expect_rc "lookup prints the page's stack" 0 lookup -p "$iopid" -a "$ioaddr"
	check "lookup: the stack's frames" out_has '^  stack  *[0-9]'
else
	skip "pins --by stack" "the module has no stacks file"
fi
expect_rc "save exits 0" 0 save "$T/s1"
check "save: the module's stats" [ -s "$T/s1/stats" ]
check "save: pinload's pinned addresses" \
	[ "$(awk 'NR > 1' "$T/s1/proc/$iopid/pinned" | wc -l)" -ge 2048 ]
expect_rc "pins --from the save exits 0" 0 --from "$T/s1" pins -p "$iopid" -j
check "pins --from: pinload's 2048 pins, mapped as saved" \
	[ "$(run_sum "$T/out" "$iopid" pins)" -eq 2048 ]
check "pins --from: the envelope says from where" out_has "^  \"from\": \"$T/s1\",\$"
expect_rc "status --from the save exits 0" 0 --from "$T/s1" status
expect_rc "save into a used directory exits 2" 2 save "$T/s1"

# --- lookup -----------------------------------------------------------------
expect_rc "lookup --pid --addr exits 0" 0 lookup --pid "$iopid" --addr "$ioaddr"
check "lookup: count 1" out_has '^  count           1$'
check "lookup: long-term" out_has '^  longterm        1$'
expect_rc "lookup --json exits 0" 0 lookup --pid "$iopid" --addr "$ioaddr" --json
cp "$T/out" "$T/lookup.json"
pfn=$(jval "$T/lookup.json" '    ' pfn)
check "lookup --json: count 1" [ "$(jval "$T/lookup.json" '    ' count)" = 1 ]
check "lookup --json: pinned by pinload" \
	[ "$(jval "$T/lookup.json" '    ' comm)" = pinload ]
check "lookup --json: the pfn pinload saw" [ "$pfn" = "$(kv "$T/io" pfn)" ]
check "lookup --json: agrees with the pins table" \
	grep -q "^$pfn 1 1 " "$D/pins"
expect_rc "lookup --pfn exits 0" 0 lookup --pfn "$pfn" --json
check "lookup --pfn: same page" [ "$(jval "$T/out" '    ' count)" = 1 ]
expect_rc "lookup: no such process exits 9" 9 lookup --pid 999999 --addr 0x1000
check "lookup: says no process" err_has 'no process 999999'
expect_rc "lookup: unmapped address exits 9" 9 lookup --pid "$iopid" --addr 0x1000
check "lookup: says not mapped" err_has 'has no page at 0x1000'
expect_rc "lookup: PFN beyond memory exits 9" 9 lookup --pfn 0xfffffffffff
expect_rc "lookup: kernel thread exits 9" 9 lookup --pid 2 --addr 0x1000
expect_rc "lookup --json error is a JSON document" 9 lookup --pid 999999 --addr 0x1000 --json
check "lookup --json error has code 9" out_has '"code": 9'
expect_rc "lookup without a target exits 2" 2 lookup --pid 1

# --- watch ------------------------------------------------------------------
expect_rc "watch --count 2 exits 0" 0 watch --count 2 --interval 0.2
check "watch shows pinload" grep -q "^ *$iopid pinload  *2048  *2048  *2048 " "$T/out"
check "watch refreshed twice" out_has 'refresh 2$'
check "watch into a file: batch mode, no escape sequences" \
	[ "$(grep -c "$(printf '\033')" "$T/out")" -eq 0 ]
expect_rc "watch --json exits 0" 0 watch --count 1 --interval 0.2 --json
check "watch --json: one object per line" \
	[ "$(grep -c '^{"command": "watch", .*}$' "$T/out")" -eq 1 ]
check "watch --json: pinload's pins" grep -q "\"pid\": $iopid," "$T/out"

# --- THP-backed io_uring buffer ---------------------------------------------
start_pinload thp iouring --size 8M --thp --hold 300
thppid=$(kv "$T/thp" pid)
if [ "$(kv "$T/thp" thp_chunks)" = 4 ]; then
	expect_rc "pins --pid (THP) exits 0" 0 pins --pid "$thppid" --json
	check "THP buffer is one run of 8 MiB" \
		[ "$(grep -c '"bytes": 8388608' "$T/out")" -eq 1 ]
	check "THP run holds at least one pin per folio" \
		[ "$(run_sum "$T/out" "$thppid" pins)" -ge 4 ]
	expect_rc "lookup (THP) exits 0" 0 lookup --pid "$thppid" \
		--addr "$(kv "$T/thp" addr)" --json
	check "lookup (THP): order 9" [ "$(jval "$T/out" '    ' order)" = 9 ]
	check "lookup (THP): folio pincount >= 1" \
		[ "$(jval "$T/out" '    ' folio_pincount)" -ge 1 ]
else
	skip "THP buffer is one run of 8 MiB" "no THP (thp_chunks=$(kv "$T/thp" thp_chunks))"
fi

# --- pinned pages no process maps ------------------------------------------
start_pinload um iouring --size 1M --unmap --hold 300
umpid=$(kv "$T/um" pid)
expect_rc "pins (unmapped buffer) exits 0" 0 pins
check "unmapped pinned pages listed as PFN ranges" \
	[ "$(awk -v p="$umpid" '$0 ~ "[(]mapped by no process[)] pinned by " p " pinload" { s += $5 }
		END { print s + 0 }' "$T/out")" -eq 256 ]
expect_rc "pins --json (unmapped buffer) exits 0" 0 pins --json
check "pins --json lists unmapped ranges" out_has '"pfn_start": "0x'
check "pins --json: no run of the unmapping process" \
	[ "$(run_sum "$T/out" "$umpid" pages)" -eq 0 ]

# --- vmsplice: refcount > 1024 without a pin --------------------------------
start_pinload vms vmsplice --count 1100 --hold 300
expect_rc "lookup (vmsplice) exits 0" 0 lookup --pid "$(kv "$T/vms" pid)" \
	--addr "$(kv "$T/vms" addr)" --json
check "vmsplice page: no pin" [ "$(jval "$T/out" '    ' count)" = 0 ]
check "vmsplice page: refcount over 1024" \
	[ "$(jval "$T/out" '    ' refcount)" -gt 1024 ]
check "vmsplice page: the kernel calls it maybe pinned" \
	[ "$(jval "$T/out" '    ' maybe_pinned)" = true ]
run lookup --pid "$(kv "$T/vms" pid)" --addr "$(kv "$T/vms" addr)"
check "lookup names the false positive" out_has 'false positive'

# --- transient and fork scenarios --------------------------------------------
acq=$(stat pins_acquired)
"$PL" vm-readv --pages 64 --loops 10 >"$T/readv" 2>&1
check "pinload vm-readv exits 0" [ $? -eq 0 ]
check "vm-readv: at least 640 pins acquired" \
	[ "$(stat pins_acquired)" -ge $((acq + 640)) ]
"$PL" fork --pages 16 --children 2 >"$T/fork" 2>&1
check "pinload fork: parent buffer intact" [ $? -eq 0 ]
check "pinload fork reports" grep -q 'parent_intact=1' "$T/fork"

# --- verdicts, cow, policies ------------------------------------------------
# LO <= VALUE <= HI
between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
# check NAME CMD... where a pinload buffer is one 2 MiB folio (its
# thp_chunks is 1); else skip: 512 order-0 pages (no THP, PREEMPT_RT) are
# as many runs as the allocator made.
check_thp() { # THP_CHUNKS NAME CMD...
	chunks=$1 name=$2
	shift 2
	if [ "$chunks" = 1 ]; then
		check "$name" "$@"
	else
		skip "$name" "no THP (thp_chunks=$chunks)"
	fi
}
# LO <= ADDR < HI, all hex.
in_range() { [ $(($1)) -ge $(($2)) ] && [ $(($1)) -lt $(($3)) ]; }
# How many of the addresses on stdin are in [LO, HI).
count_in() { # LO HI
	cnt=0
	while read -r a; do
		in_range "$a" "$1" "$2" && cnt=$((cnt + 1))
	done
	echo $cnt
}
# Lines of process PID starting in [LO, HI) in `cow` or `cow --raw` output.
cow_lines() { # FILE PID LO HI
	awk -v p="$2" '$2 == p { sub(/-.*/, "", $4); print $4 }' "$1" |
		count_in "$3" "$4"
}
# "START PAGES" of each group of process PID in `cow --json` output.
cow_groups() { # FILE PID
	awk -v pid="$2" '
		/^      \{/ { p = ""; a = ""; pg = 0 }
		/^        "pid": / { v = $2; sub(/,/, "", v); p = v }
		/^        "vaddr_start": / { v = $2; gsub(/[",]/, "", v); a = v }
		/^        "pages": / { v = $2; sub(/,/, "", v); pg = v }
		/^      \}/ { if (p == pid) print a, pg }' "$1"
}
# Sum of "pages" over the runs of `verdicts --json`.
runs_pages() {
	awk '/^    "runs": / { r = 1 } /^    "causes": / { r = 0 }
		r && /^        "pages": / { v = $2; sub(/,/, "", v); s += v }
		END { print s + 0 }' "$1"
}

if [ -e "$D/verdicts" ]; then
	expect_rc "verdicts exits 0" 0 verdicts
	check "verdicts prints the truth table" out_has '^  kernel: maybe pinned  *[0-9]* TP  *[0-9]* FP$'
	check "verdicts prints the precision" out_has '^  precision  *[0-9.n/a%]*  of the'
	check "verdicts: tracked scope by default" out_has 'over the tracked 2 MiB'
	expect_rc "verdicts --raw exits 0" 0 verdicts --raw
	check "verdicts --raw: the module's header" \
		out_has '^pfn count maybe_pinned refcount order folio_pincount cause$'
	check "verdicts --raw: one row per mismatch kept" \
		[ "$(awk '$1 == "false_pos" || $1 == "false_neg" { s += $2 }
			$1 == "mismatches_dropped" { s -= $2 }
			NF == 7 && $1 ~ /^0x/ { n++ } END { print s - n }' "$T/out")" -eq 0 ]
	expect_rc "verdicts --json exits 0" 0 verdicts --json
	cp "$T/out" "$T/verdicts.json"
	fp=$(jval "$T/verdicts.json" '    ' false_pos)
	fn=$(jval "$T/verdicts.json" '    ' false_neg)
	dropped=$(jval "$T/verdicts.json" '    ' mismatches_dropped)
	check "verdicts --json: runs hold every mismatch kept" \
		[ "$(runs_pages "$T/verdicts.json")" -eq $((fp + fn - dropped)) ]
	check "verdicts --json: scope tracked" \
		[ "$(jval "$T/verdicts.json" '  ' scope)" = tracked ]
	tracked_scanned=$(jval "$T/verdicts.json" '    ' scanned)

	expect_rc "verdicts --all exits 0" 0 verdicts --all --json
	check "verdicts --all: scope all" [ "$(jval "$T/out" '  ' scope)" = all ]
	check "verdicts --all: scans more pages than the tracked regions" \
		[ "$(jval "$T/out" '    ' scanned)" -gt "$tracked_scanned" ]
	check "verdicts --all: the scope is set back to tracked" \
		grep -q '^scope tracked$' "$D/verdicts"
	vpfn=$(kv "$T/vms" pfn)
	expect_rc "verdicts --all --raw exits 0" 0 verdicts --all --raw
	check "verdicts --all --raw: scope all" out_has '^scope all$'
	check "verdicts --all --raw: the vmsplice page is a refcount_bias row" \
		out_has "^$vpfn 0 1 [0-9]* 0 - refcount_bias$"
	expect_rc "verdicts --all exits 0 (text)" 0 verdicts --all
	check "verdicts --all: the vmsplice page is a grouped line" \
		grep -q "^$vpfn  *1  *refcount_bias " "$T/out"
	check "verdicts --all: pages per cause" out_has '^  refcount_bias  *[0-9]* pages* '
else
	expect_rc "verdicts exits 7 (verdicts absent)" 7 verdicts
	check "verdicts says not supported" err_has 'not supported by this module version'
fi

if [ -e "$D/cow_audit" ]; then
	"$PL" fork --pages 16 --thp >"$T/thpfork" 2>&1
	check "pinload fork --thp exits 0" [ $? -eq 0 ]
	fpid=$(kv "$T/thpfork" pid)
	flo=$(kv "$T/thpfork" addr)
	fhi=$(kv "$T/thpfork" end)
	expect_rc "cow exits 0" 0 cow
	check "cow prints the totals" out_has '^  [0-9]* pages examined at fork: '
	fthp=$(kv "$T/thpfork" thp_chunks)
	check_thp "$fthp" "cow: the forked buffer is a few lines, not one per page" \
		between "$(cow_lines "$T/out" "$fpid" "$flo" "$fhi")" 1 4
	expect_rc "cow --raw exits 0" 0 cow --raw
	check "cow --raw: the module's header" \
		out_has '^time pid comm vaddr pfn decision exclusive maybe_pinned count verdict seq$'
	raw_rows=$(cow_lines "$T/out" "$fpid" "$flo" "$fhi")
	check "cow --raw: one row per page of the forked buffer" [ "$raw_rows" -ge 16 ]
	expect_rc "cow --json exits 0" 0 cow --json
	check "cow --json names its file" out_has '"file": "cow_audit"'
	cow_groups "$T/out" "$fpid" >"$T/groups"
	fgroups=0 fpages=0
	while read -r a pg; do
		if in_range "$a" "$flo" "$fhi"; then
			fgroups=$((fgroups + 1))
			fpages=$((fpages + pg))
		fi
	done <"$T/groups"
	check "cow --json: the buffer's groups hold every row of cow --raw" \
		[ "$fpages" -eq "$raw_rows" ]
	check_thp "$fthp" "cow --json: the buffer is a few groups" \
		between "$fgroups" 1 4
	check "cow --json: totals" out_has '"cow_examined": [0-9]'
	check "cow --json: events = pages of all groups" \
		[ "$(jval "$T/out" '  ' events)" -eq \
		  "$(awk '/^        "pages": / { v = $2; sub(/,/, "", v); s += v }
			END { print s + 0 }' "$T/out")" ]

	"$PS" cow --follow >"$T/follow" 2>"$T/follow.err" &
	fol=$!
	usleep 700000
	"$PL" fork --pages 16 --thp >"$T/thpfork2" 2>&1
	usleep 1500000
	kill -INT "$fol"
	wait "$fol"
	check "cow --follow exits 0 on SIGINT" [ $? -eq 0 ]
	check "cow --follow: a header once" [ "$(grep -c '^TIME ' "$T/follow")" -eq 1 ]
	"$PS" cow --follow --json >"$T/followj" 2>"$T/followj.err" &
	fol=$!
	usleep 700000
	"$PL" fork --pages 16 --thp >"$T/thpfork3" 2>&1
	usleep 1500000
	kill -KILL "$fol"
	wait "$fol" 2>/dev/null
	check "cow --follow --json: killed, it leaves whole lines only" \
		[ "$(grep -vc '^{"command": "cow", .*}$' "$T/followj")" -eq 0 ]
	check "cow --follow --json: the new fork's groups, a line each" \
		grep -q "\"pid\": $(kv "$T/thpfork3" pid), " "$T/followj"
	check_thp "$(kv "$T/thpfork2" thp_chunks)" \
		"cow --follow: the new fork's buffer, grouped" \
		between "$(cow_lines "$T/follow" "$(kv "$T/thpfork2" pid)" \
			"$(kv "$T/thpfork2" addr)" "$(kv "$T/thpfork2" end)")" 1 8
else
	expect_rc "cow exits 7 (cow_audit absent)" 7 cow
	check "cow says not supported" err_has 'not supported by this module version'
fi

if [ -e "$D/policies" ]; then
	expect_rc "policies exits 0" 0 policies
	check "policies explains each policy" \
		[ "$(grep -c -E '^(kernel|exact|sticky|pmd|pte) .*(MMF_HAS_PINNED|> 0|ever pinned|2 MiB|through this mm)' "$T/out")" -eq 5 ]
	expect_rc "policies --raw exits 0" 0 policies --raw
	check "policies --raw: the module's table" \
		[ "$(head -n 1 "$T/out")" = "$(head -n 1 "$D/policies")" ]
	expect_rc "policies --json exits 0" 0 policies --json
	check "policies --json names its file" out_has '"file": "policies"'
	check "policies --json: a rule per policy" \
		[ "$(grep -c '"rule": "' "$T/out")" -eq 5 ]
else
	expect_rc "policies exits 7 (policies absent)" 7 policies
	check "policies says not supported" err_has 'not supported by this module version'
fi

# --- release --------------------------------------------------------------
cleanup
check "pins released when pinload exits" wait_outstanding "$base_out" 30
expect_rc "status after release exits 0" 0 status
check "self-check OK after release" out_has '^self-check: OK$'
expect_rc "save after release exits 0" 0 save "$T/s2"
expect_rc "diff exits 0" 0 diff "$T/s1" "$T/s2"
check "diff: pinload's pins vanished" \
	grep -q "^ *$iopid pinload  *0  *[0-9]*[1-9][0-9]* " "$T/out"
expect_rc "diff --json exits 0" 0 diff "$T/s1" "$T/s2" --json
check "diff --json: nothing persisted of pinload" \
	[ "$(awk -v pid="$iopid" '/^      \{/ { p = "" }
		/^        "pid": / { v = $2; sub(/,/, "", v); p = v }
		p == pid && /^        "persisted": / { getline; v = $2; sub(/,/, "", v); print v }' "$T/out")" = 0 ]

# --- error paths ------------------------------------------------------------
expect_rc "bad command exits 2" 2 bogus
expect_rc "bad option exits 2" 2 pins --sort bogus
check "bad option is explained" err_has '"bogus" is not one of count, age, pid'
expect_rc "bad option with --json exits 2" 2 pins --sort bogus --json
check "usage error as JSON" out_has '"name": "usage"'
expect_rc "--help exits 0" 0 --help
check "--help lists exit statuses" out_has '5  pinshadow module not loaded'

mkdir -p "$T/fake"
printf 'abi_version 999\nenabled 1\n' >"$T/fake/stats"
PINSHADOW_DEBUGFS_DIR=$T/fake "$PS" status >"$T/out" 2>"$T/err"
rc=$?
check "ABI mismatch exits 6" [ $rc -eq 6 ]
check "ABI mismatch is explained" err_has 'module ABI version 999'

# A user namespace keeps the kernel uid: really become uid/gid 65534, with
# as_nobody (setresgid/setresuid; no su, no passwd entry needed).  What the
# module's files refuse uid 65534 is tests/reliability_access.c's part.
if as_nobody sh -c 'test "$(id -u):$(id -g)" = 65534:65534'; then
	as_nobody "$PS" status >"$T/out" 2>"$T/err"
	rc=$?
	check "not root exits 3" [ $rc -eq 3 ]
	check "not root is explained" err_has 'run as root'
	as_nobody "$PS" pins --json >"$T/out" 2>"$T/err"
	rc=$?
	check "not root with --json exits 3" [ $rc -eq 3 ]
	check "not root as JSON" out_has '"name": "not_root"'
else
	skip "not root exits 3" "as_nobody cannot drop to uid 65534"
fi

if umount "$DBG"; then
	expect_rc "debugfs not mounted exits 4" 4 status
	check "debugfs not mounted is explained" err_has 'debugfs is not mounted'
	mount -t debugfs debugfs "$DBG"
else
	skip "debugfs not mounted exits 4" "cannot unmount $DBG"
fi

if rmmod pinshadow; then
	expect_rc "module not loaded: status exits 5" 5 status
	check "status says not loaded" out_has 'pinshadow not loaded'
	check "not loaded is explained" err_has 'insmod'
	expect_rc "module not loaded: pins --json exits 5" 5 pins --json
	check "not loaded as JSON" out_has '"code": 5'
	expect_rc "module not loaded: lookup exits 5" 5 lookup --pfn 1
	expect_rc "module not loaded: watch exits 5" 5 watch --count 1
	expect_rc "module not loaded: verdicts exits 5" 5 verdicts
	insmod "$KO" ${PINSHADOW_PARAMS:-}
	check "module reloaded" [ -d "$D" ]
	expect_rc "status after reload exits 0" 0 status
else
	skip "module not loaded: status exits 5" "rmmod pinshadow failed"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
