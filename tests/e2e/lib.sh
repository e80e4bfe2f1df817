# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Shell helpers shared by tests/e2e/run.sh and tests/e2e/errors.sh (sourced).

# wait_for FILE REGEX SECONDS: until a line of FILE matches.
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
