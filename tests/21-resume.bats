#!/usr/bin/env bats
#
# --resume and --resume-failed: run only what the joblog does not show as
# done, with prun's joblogs and GNU parallel's alike.

# Job lines are written in single quotes, for the jobs' shell to expand;
# bats' run sets output, lines, stderr and stderr_lines.
# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
	mkdir -p "$T/runs"
}

teardown() {
	common_teardown
}

# runs_of N: how many times job N ran (each run appends a line).
runs_of() {
	if [[ -e $T/runs/$1 ]]; then
		wc -l <"$T/runs/$1"
	else
		echo 0
	fi
}

# assert_runs "N1 N2 ..." : job i ran Ni times.
assert_runs() {
	local want=($1) i got=()
	for ((i = 1; i <= ${#want[@]}; i++)); do
		got+=("$(runs_of "$i")")
	done
	assert_equal "${got[*]}" "${want[*]}"
}

# recorder N [EXIT]: a job line that records its run, then exits EXIT.
recorder() {
	echo "echo run >>'$T/runs/$1'; exit ${2:-0}"
}

# flaky N: fails on its first run, succeeds after.
flaky() {
	echo "echo run >>'$T/runs/$1'; [ \$(wc -l <'$T/runs/$1') -ge 2 ]"
}

# log_has N: the joblog has at least N lines.
log_has() {
	[[ -e $T/log && $(wc -l <"$T/log") -ge $1 ]]
}

six_jobs() {
	mk_jobs six "$(recorder 1)" "$(flaky 2)" "$(recorder 3)" \
	    "$(recorder 4)" "$(recorder 5)" "$(recorder 6)"
}

# head_jobs FILE N: the first N lines of FILE, as a new command file.
head_jobs() {
	head -n "$2" "$1" >"$1.head"
	echo "$1.head"
}

@test "--resume runs only the seqs not in the joblog" {
	jobs=$(six_jobs)
	run_prun -j 2 --joblog "$T/log" "$(head_jobs "$jobs" 3)"
	assert_equal "$status" 1
	assert_runs "1 1 1 0 0 0"
	run_prun -j 2 --resume --joblog "$T/log" "$jobs"
	assert_success
	assert_runs "1 1 1 1 1 1"
	assert_equal "$(grep -c '^Seq' "$T/log")" 1
	assert_equal "$(tail -n +2 "$T/log" | cut -f1 | sort -n | tr '\n' ' ')" \
	    "1 2 3 4 5 6 "
	# Everything is in the log now: nothing runs again.
	run_prun -j 2 --resume --joblog "$T/log" "$jobs"
	assert_success
	assert_runs "1 1 1 1 1 1"
}

@test "--resume-failed also reruns the failed seqs" {
	jobs=$(six_jobs)
	run_prun -j 2 --joblog "$T/log" "$(head_jobs "$jobs" 3)"
	assert_equal "$status" 1
	run_prun -j 2 --resume-failed --joblog "$T/log" "$jobs"
	assert_success
	assert_runs "1 2 1 1 1 1"
	# Job 2 has a failed row and a later good one: it is done.
	run_prun -j 2 --resume-failed --joblog "$T/log" "$jobs"
	assert_success
	assert_runs "1 2 1 1 1 1"
}

@test "--resume with no joblog yet runs everything and starts the log" {
	jobs=$(six_jobs)
	run_prun -j 3 --resume --joblog "$T/log" "$jobs"
	assert_equal "$status" 1
	assert_runs "1 1 1 1 1 1"
	assert_equal "$(grep -c '^Seq' "$T/log")" 1
	assert_equal "$(wc -l <"$T/log")" 7
}

@test "prun resumes from GNU parallel's joblog" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	jobs=$(six_jobs)
	SHELL=/bin/sh timeout 60 parallel --will-cite -j 2 --joblog "$T/log" \
	    <"$(head_jobs "$jobs" 3)" >/dev/null 2>&1 || true
	assert_runs "1 1 1 0 0 0"
	run_prun -j 2 --resume --joblog "$T/log" "$jobs"
	assert_success
	assert_runs "1 1 1 1 1 1"
	# --resume-failed reruns job 2, which failed under GNU parallel.
	cp "$T/log" "$T/log2"
	run_prun -j 2 --resume-failed --joblog "$T/log2" "$jobs"
	assert_success
	assert_runs "1 2 1 1 1 1"
}

@test "GNU parallel resumes from prun's joblog" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	jobs=$(six_jobs)
	run_prun -j 2 --joblog "$T/log" "$(head_jobs "$jobs" 3)"
	assert_equal "$status" 1
	cp "$T/log" "$T/log2"
	SHELL=/bin/sh timeout 60 parallel --will-cite -j 2 --resume \
	    --joblog "$T/log" <"$jobs" >/dev/null 2>&1
	assert_runs "1 1 1 1 1 1"
	SHELL=/bin/sh timeout 60 parallel --will-cite -j 2 --resume-failed \
	    --joblog "$T/log2" <"$jobs" >/dev/null 2>&1
	assert_runs "1 2 1 2 2 2"
	# And prun reads back what GNU parallel appended to its log.
	run_prun -j 2 --resume-failed --joblog "$T/log2" "$jobs"
	assert_success
	assert_runs "1 2 1 2 2 2"
}

@test "kill -9 of prun mid-run, then --resume: no logged job runs again" {
	local i n
	for ((i = 1; i <= 200; i++)); do
		echo "echo run >>'$T/runs/$i'; sleep 0.0$((i % 5))"
	done >"$T/many"
	start_prun_bg -j 4 --joblog "$T/log" "$T/many" </dev/null
	wait_until 30 log_has 61
	kill -KILL "$PRUN_PID"
	wait_prun
	assert_equal "$status" 137
	# Workers and jobs die with prun; then nothing more is written.
	assert_no_leftovers
	cp "$T/log" "$T/log.killed"
	n=$(($(wc -l <"$T/log.killed") - 1))
	[[ $n -ge 60 && $n -lt 200 ]] || fail "$n rows at the kill"
	run_prun -j 4 --resume --joblog "$T/log" "$T/many"
	assert_success
	# Every row, old and new, is whole; every job ran and is logged.
	run awk -F'\t' 'NR > 1 && (NF != 9 || $7 != 0) { print "bad: " $0 }' \
	    "$T/log"
	assert_output ""
	assert_equal "$(tail -n +2 "$T/log" | cut -f1 | sort -n | uniq | wc -l)" 200
	for ((i = 1; i <= 200; i++)); do
		[[ -e $T/runs/$i ]] || fail "job $i never ran"
	done
	# A job whose row reached the log before the kill ran exactly once.
	while read -r i; do
		assert_equal "$i:$(runs_of "$i")" "$i:1"
	done < <(tail -n +2 "$T/log.killed" | cut -f1)
}

@test "--resume: bad usage and bad joblogs give one line and exit 255" {
	jobs=$(six_jobs)
	run_prun --separate-stderr --resume "$jobs"
	assert_prun_error 'joblog'
	run_prun --separate-stderr --resume-failed --joblog - "$jobs"
	assert_prun_error 'joblog'
	printf 'Seq\tHost\n1\tnot a row\n' >"$T/bad"
	run_prun --separate-stderr --resume --joblog "$T/bad" "$jobs"
	assert_prun_error "bad:2"
	assert_runs "0 0 0 0 0 0"
}
