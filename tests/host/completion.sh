#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completion of pinshadow: completion.sh COMPLETION_FILE.  Skipped
# (exit 0, one line) where bash-completion is not installed.
set -u
bc=/usr/share/bash-completion/bash_completion
if [ ! -r "$bc" ]; then
	echo "completion: SKIP no $bc"
	exit 0
fi
# shellcheck disable=SC1090
. "$bc"
# shellcheck disable=SC1090
. "$1"
failed=0

# expect "COMMAND LINE (cursor at its end)" WORD...: each WORD offered.
expect() {
	local line=$1 w
	shift
	read -r -a COMP_WORDS <<<"$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	_pinshadow pinshadow "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	for w in "$@"; do
		if [[ " ${COMPREPLY[*]} " != *" $w "* ]]; then
			echo "completion: FAIL \"$line\" does not offer $w (got: ${COMPREPLY[*]})"
			failed=1
			return
		fi
	done
	echo "completion: ok \"$line\" offers $*"
}
# reject "LINE" WORD: WORD not offered.
reject() {
	expect "$1"
	if [[ " ${COMPREPLY[*]} " == *" $2 "* ]]; then
		echo "completion: FAIL \"$1\" offers $2"
		failed=1
	fi
}

expect "pinshadow " status pins lookup watch verdicts cow policies save diff help
expect "pinshadow p" pins policies
expect "pinshadow --" --json --from --help --version
expect "pinshadow pins --" --pid --comm --longterm --orphaned --older-than --sort --by --json
expect "pinshadow pins --sort " count age pid
expect "pinshadow pins --by " stack
expect "pinshadow --json pins -s " count age pid
expect "pinshadow watch --" --interval --count --batch
expect "pinshadow cow --" --follow --raw
expect "pinshadow help " pins diff
reject "pinshadow cow --" --pid
reject "pinshadow status --" --follow
exit $failed
