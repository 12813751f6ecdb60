# SPDX-License-Identifier: GPL-2.0
#
# lib.sh: the prologue of the scripts that boot one kernel of the cache
# (tests/vm/run.sh, tests/vm/script.sh, tests/bench/run.sh,
# userspace/demo/demo.sh).  Sourced after `set -eu`, it sets
#   here   the calling script's folder
#   top    the source tree
#   BUILD  the build root (exported; default $top/build)
# and defines ps_need_args.

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export BUILD=${BUILD:-$top/build}

# ps_need_args N USAGE ARG...: exits 2 with "usage: $0 USAGE" unless
# there are exactly N ARGs.
ps_need_args() {
	local n=$1 usage=$2

	shift 2
	[ $# -eq "$n" ] || { echo "usage: $0 $usage" >&2; exit 2; }
}
