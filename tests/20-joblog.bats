#!/usr/bin/env bats
#
# --joblog: GNU parallel's job log, byte-compatible, one row per finished
# job written the moment it ends; +FILE appends.

# Job lines are written in single quotes, for the jobs' shell to expand;
# bats' run sets output, lines, stderr and stderr_lines.
# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	common_teardown
}

HEADER=$'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand'

# rows LOG: the rows of LOG sorted by seq, header dropped.
rows() {
	tail -n +2 "$1" | sort -n
}

# assert_row_shape LOG: every row has GNU parallel's field formats.
assert_row_shape() {
	local line
	while IFS= read -r line; do
		[[ $line =~ ^[0-9]+$'\t':$'\t'[0-9]+\.[0-9]{3}$'\t'[\ 0-9]{6}\.[0-9]{3}$'\t'0$'\t'[0-9]+$'\t'-?[0-9]+$'\t'[0-9]+$'\t' ]] ||
			fail "malformed row: $line"
	done < <(tail -n +2 "$1")
}

@test "header and rows have GNU parallel's format" {
	jobs=$(mk_jobs j 'echo hello' 'exit 3' 'printf abc; kill -9 $$' 'true')
	run_prun -j 2 --joblog "$T/log" "$jobs"
	assert_equal "$status" 2
	assert_equal "$(head -1 "$T/log")" "$HEADER"
	assert_equal "$(wc -l <"$T/log")" 5
	assert_row_shape "$T/log"
	# Seq, Host, Send, Receive (stdout bytes), Exitval, Signal, Command.
	run bash -c "tail -n +2 '$T/log' | sort -n | cut -f1,2,5-"
	assert_output "$(printf '%s\n' \
	    $'1\t:\t0\t6\t0\t0\techo hello' \
	    $'2\t:\t0\t0\t3\t0\texit 3' \
	    $'3\t:\t0\t3\t0\t9\tprintf abc; kill -9 $$' \
	    $'4\t:\t0\t0\t0\t0\ttrue')"
}

@test "joblog matches GNU parallel's field by field: exit 3, kill -9, timeout" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	jobs=$(mk_jobs j 'echo hello' 'exit 3' 'kill -9 $$' 'sleep 10' 'true')
	run_prun -j 5 --timeout 1 --joblog "$T/prun.log" "$jobs"
	assert_equal "$status" 3
	SHELL=/bin/sh timeout 60 parallel --will-cite -j 5 --timeout 1 \
	    --joblog "$T/gnu.log" <"$jobs" >/dev/null 2>&1 || true
	assert_equal "$(head -1 "$T/prun.log")" "$(head -1 "$T/gnu.log")"
	assert_row_shape "$T/prun.log"
	assert_row_shape "$T/gnu.log"
	# Everything but the times is the same.
	diff <(rows "$T/prun.log" | cut -f1,2,5-) \
	    <(rows "$T/gnu.log" | cut -f1,2,5-)
	# The timed-out row: Exitval -1, Signal 15, in both.
	run grep -c $'\t-1\t15\tsleep 10$' "$T/prun.log" "$T/gnu.log"
	assert_output "$(printf '%s\n' "$T/prun.log:1" "$T/gnu.log:1")"
	# JobRuntime: %10.3f in both; the timeout shows as about 1 s.
	run awk -F'\t' '$1 == 4 { print $4 }' "$T/prun.log"
	[[ $output =~ ^\ {5}1\.[0-9]{3}$ ]] || fail "runtime '$output'"
}

@test "a joblog row is written as soon as its job ends" {
	jobs=$(mk_jobs j 'true' "waitfor '$T/go'")
	start_prun_bg -j 2 --joblog "$T/log" "$jobs" </dev/null
	# Job 1 is logged while job 2 still runs.
	wait_until 20 grep -q $'^1\t' "$T/log"
	run grep -c $'^2\t' "$T/log"
	assert_output 0
	touch "$T/go"
	wait_prun
	assert_equal "$status" 0
	assert_equal "$(wc -l <"$T/log")" 3
}

@test "--joblog FILE truncates, +FILE appends with one header" {
	jobs=$(mk_jobs j 'true' 'true')
	echo 'old content' >"$T/log"
	run_prun --joblog "$T/log" "$jobs"
	assert_success
	assert_equal "$(head -1 "$T/log")" "$HEADER"
	assert_equal "$(wc -l <"$T/log")" 3
	run_prun --joblog "+$T/log" "$jobs"
	assert_success
	assert_equal "$(wc -l <"$T/log")" 5
	assert_equal "$(grep -c '^Seq' "$T/log")" 1
	# +FILE on a new file: a header first, so any reader can take it.
	run_prun --joblog "+$T/new" "$jobs"
	assert_success
	assert_equal "$(head -1 "$T/new")" "$HEADER"
	assert_equal "$(wc -l <"$T/new")" 3
}

@test "--joblog - writes the log to stdout" {
	jobs=$(mk_jobs j 'exit 2')
	run_prun --joblog - "$jobs"
	assert_equal "$status" 1
	assert_equal "${lines[0]}" "$HEADER"
	[[ ${lines[1]} == 1$'\t'*$'\t'2$'\t'0$'\t'exit\ 2 ]] || fail "${lines[1]}"
}

@test "GNU parallel's retries and only the last try is logged" {
	jobs=$(mk_jobs j 'echo x >>runs; [ "$(wc -l <runs)" -ge 2 ]')
	run_prun --retries 3 --joblog "$T/log" "$jobs"
	assert_success
	assert_equal "$(wc -l <"$T/runs")" 2
	assert_equal "$(wc -l <"$T/log")" 2
	assert_equal "$(tail -1 "$T/log" | cut -f1,7,8)" $'1\t0\t0'
}

@test "--joblog: bad values give one line and exit 255 before any job" {
	jobs=$(mk_jobs j 'touch ran')
	for bad in '' '+' "$T/no/such/dir/log" "$T"; do
		run_prun --separate-stderr --joblog "$bad" "$jobs"
		assert_prun_error 'joblog'
	done
	assert [ ! -e "$T/ran" ]
	run_prun --separate-stderr "$jobs" --joblog
	assert_prun_error 'joblog'
}
