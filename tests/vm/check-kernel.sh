#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-kernel.sh KVER: one kernel's part of make check (check.sh --kernel).
exec "$(dirname "$0")/check.sh" --kernel "$@"
