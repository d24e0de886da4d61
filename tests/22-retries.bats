#!/usr/bin/env bats
#
# --retries N (tries in all, GNU parallel's meaning; only the last try is
# logged, printed and counted) and --retry-delay (backoff on a timer).

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

# A job that fails its first F runs, saying which try it is on both streams.
fails_first() {
	echo "echo x >>'$T/runs'; n=\$(wc -l <'$T/runs'); echo \"try \$n\"; echo \"err \$n\" >&2; [ \$n -gt $1 ]"
}

@test "a job that fails twice then succeeds under --retries 3 exits 0" {
	jobs=$(mk_jobs j "$(fails_first 2)")
	run_prun --separate-stderr --retries 3 --joblog "$T/log" "$jobs"
	assert_success
	assert_equal "$(wc -l <"$T/runs")" 3
	# Only the last try's output, and no failure summary.
	assert_output "try 3"
	assert_equal "$stderr" "err 3"
	assert_equal "$(tail -n +2 "$T/log" | cut -f1,7)" $'1\t0'
}

@test "--retries N is N tries in all; the last one is logged and counted" {
	jobs=$(mk_jobs j "$(fails_first 100)" 'true')
	run_prun --separate-stderr -j 1 --retries 2 --joblog "$T/log" "$jobs"
	assert_equal "$status" 1
	assert_equal "$(wc -l <"$T/runs")" 2
	assert_output "try 2"
	assert_equal "${stderr_lines[0]}" "err 2"
	assert_equal "${stderr_lines[-1]}" "prun: 1 of 2 jobs failed: 1"
	assert_equal "$(tail -n +2 "$T/log" | sort -n | cut -f1,7)" \
	    $'1\t1\n2\t0'
}

@test "--retries runs as many tries as GNU parallel's" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	jobs=$(mk_jobs j "$(fails_first 100)")
	run_prun --retries 3 "$jobs"
	assert_equal "$status" 1
	assert_equal "$(wc -l <"$T/runs")" 3
	rm "$T/runs"
	SHELL=/bin/sh timeout 60 parallel --will-cite --retries 3 <"$jobs" \
	    >/dev/null 2>&1 || true
	assert_equal "$(wc -l <"$T/runs")" 3
}

@test "a failing job is retried at once, ahead of the jobs not started" {
	jobs=$(mk_jobs j "echo a >>'$T/order'; [ -e '$T/order.2' ] || { touch '$T/order.2'; exit 1; }" \
	    "echo b >>'$T/order'")
	run_prun -j 1 --retries 2 "$jobs"
	assert_success
	assert_equal "$(cat "$T/order")" $'a\na\nb'
}

@test "--retry-delay waits on a timer: other jobs run meanwhile, and it doubles" {
	jobs=$(mk_jobs j \
	    "date +%s.%N >>'$T/a'; echo a\$(wc -l <'$T/a') >>'$T/order'; [ \$(wc -l <'$T/a') -ge 3 ]" \
	    "echo b >>'$T/order'" "echo c >>'$T/order'")
	# A delay long enough for jobs 2 and 3 to run on a loaded machine.
	run_prun -j 2 --retries 3 --retry-delay 1 "$jobs"
	assert_success
	assert_equal "$(wc -l <"$T/a")" 3
	# Jobs 2 and 3 ran while job 1 waited for its retry.
	assert_equal "$(grep -n . "$T/order" | grep -E ':(b|c|a2)$' | cut -d: -f2 | tr '\n' ' ')" \
	    "b c a2 "
	# Tries 1 s then 2 s apart (at least).
	run awk 'NR > 1 { printf "%d\n", ($1 - p) * 1000 } { p = $1 }' "$T/a"
	[[ ${lines[0]} -ge 990 && ${lines[1]} -ge 1990 ]] ||
		fail "gaps ${lines[*]} ms"
}

@test "no more jobs wait for a retry than there are workers" {
	jobs=$(mk_jobs j "echo a >>'$T/order'; exit 1" "echo b >>'$T/order'; exit 1")
	run_prun -j 1 --retries 2 --retry-delay 0.2 "$jobs"
	assert_equal "$status" 2
	# Job 2 is not read while job 1 waits: memory stays flat.
	assert_equal "$(cat "$T/order")" $'a\na\nb\nb'
}

@test "a job waiting for its retry ends with its last try when the run stops" {
	jobs=$(mk_jobs j 'exit 4' 'true')
	SECONDS=0
	run_prun -j 2 --retries 5 --retry-delay 30 --deadline 1 \
	    --joblog "$T/log" "$jobs"
	# Job 1 would wait 30 s for a retry; the deadline ends the run.
	[[ $SECONDS -lt 20 ]] || fail "took $SECONDS s"
	assert_equal "$status" 1
	assert_equal "$(tail -n +2 "$T/log" | sort -n | cut -f1,7)" \
	    $'1\t4\n2\t0'
}

@test "--retries and --retry-delay: bad values give one line and exit 255" {
	jobs=$(mk_jobs j 'touch ran')
	for bad in -1 abc 1.5 '' 99999999999; do
		run_prun --separate-stderr --retries "$bad" "$jobs"
		assert_prun_error '^prun: --retries'
	done
	for bad in abc -1 1x 1e3 '' 10%; do
		run_prun --separate-stderr --retry-delay "$bad" "$jobs"
		assert_prun_error '^prun: --retry-delay'
	done
	assert [ ! -e "$T/ran" ]
}
