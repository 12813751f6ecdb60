# SPDX-License-Identifier: GPL-2.0
#
# Turns the guest's tests.log (markers from tests/vm/init, TAP from the test
# binaries) into one line per result:
#
#   PASS KVER NAME
#   FAIL KVER NAME (reason)
#   SKIP KVER NAME (reason)
#
# followed, for a failure, by indented detail lines.  NAME is the TAP test
# name ("fixture.test"; the harness's "global." becomes the binary's name,
# and a name with spaces gets "BINARY: " in front), BINARY:run for each
# binary as a whole, or the name of a check from init.
# VM-level results (boot, finish) are added by run.sh.
#
# awk -v kver=KVER -f parse.awk tests.log

function result(kind, name, reason) {
	printf "%s %s %s%s\n", kind, kver, name, reason == "" ? "" : " (" reason ")"
}

function detail(text) {
	printf "    | %s\n", text
}

# The TAP description: after "ok N " up to the directive, if any.
function tap_name(line, desc) {
	desc = line
	sub(/^(not )?ok [0-9]+ *(- *)?/, "", desc)
	sub(/ *#.*$/, "", desc)
	if (desc == "")
		return bin
	if (desc ~ /^global\./)
		return bin "." substr(desc, 8)
	# Free text (a shell script's TAP) is not unique on its own.
	if (desc ~ / /)
		return bin ": " desc
	return desc
}

function tap_directive(line) {
	if (sub(/^[^#]*# */, "", line))
		return line
	return ""
}

function end_binary(rc, timed_out, secs,   i, reason) {
	if (timed_out)
		reason = "timed out after " secs " s"
	else if (rc >= 128)
		reason = "killed by signal " rc - 128
	else if (plan < 0)
		reason = "no TAP plan (exit " rc ")"
	else if (nres != plan)
		reason = nres " of " plan " TAP results"
	else if (rc != 0 && rc != 4 && nfail == 0)
		reason = "exit " rc " without a failing test"

	if (reason == "" && plan == 0)
		result("SKIP", bin, skip_reason)
	else if (reason == "")
		result("PASS", bin ":run")
	else {
		result("FAIL", bin ":run", reason)
		for (i = 1; i <= ntail; i++)
			detail(tail[i])
	}
	bin = ""
}

BEGIN { bin = "" }

{ sub(/\r$/, "") }

# A binary killed mid-line leaves the marker after its partial output.
/PSVM-[A-Z-]+/ { sub(/^.*PSVM-/, "PSVM-") }

$1 == "PSVM-BEGIN" {
	bin = $2
	plan = -1
	nres = nfail = ntail = ncase = after_fail = 0
	skip_reason = ""
	next
}

$1 == "PSVM-END" {
	if (bin == "")
		next
	rc = $3; sub(/rc=/, "", rc)
	t = $4; sub(/timeout=/, "", t)
	s = $5; sub(/secs=/, "", s)
	end_binary(rc + 0, t == "1", s)
	next
}

$1 == "PSVM-CHECK" {
	name = $3
	reason = $0
	sub(/^PSVM-CHECK [a-z]+ [^ ]+ ?/, "", reason)
	result($2 == "ok" ? "PASS" : "FAIL", name, reason)
	next
}

/^PSVM-/ { next }

bin == "" { next }

# Inside a binary: keep its last lines for a timeout report, and the
# diagnostics of the current test for a failure report.
{
	if (ntail == 10) {
		for (i = 1; i < 10; i++)
			tail[i] = tail[i + 1]
		ntail = 9
	}
	tail[++ntail] = $0
}

/^# +(RUN |FAILED: |PASSED: |Totals: )/ { ncase = 0; after_fail = 0; next }

/^1\.\.[0-9]+/ {
	plan = substr($1, 4) + 0
	if (plan == 0)
		skip_reason = tap_directive($0)
	next
}

/^not ok [0-9]+/ {
	nres++
	nfail++
	result("FAIL", tap_name($0), tap_directive($0))
	for (i = 1; i <= ncase; i++)
		detail(diag[i])
	ncase = 0
	after_fail = 20	# TAP puts a failure's diagnostics after it, too
	next
}

/^ok [0-9]+/ {
	nres++
	d = tap_directive($0)
	if (d ~ /^[Ss][Kk][Ii][Pp]/) {
		sub(/^[Ss][Kk][Ii][Pp] */, "", d)
		result("SKIP", tap_name($0), d)
	} else
		result("PASS", tap_name($0))
	ncase = after_fail = 0
	next
}

/^#/ && after_fail > 0 { detail($0); after_fail--; next }
/^#/ && ncase < 20 { diag[++ncase] = $0 }

END {
	if (bin != "") {
		result("FAIL", bin ":run", "no PSVM-END: the VM died or hung while it ran")
		for (i = 1; i <= ntail; i++)
			detail(tail[i])
	}
}
