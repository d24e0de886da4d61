#!/usr/bin/env bats
#
# Worker death: a worker killed or crashed mid-run is noticed at once, its
# job is reported failed, a replacement is forked, and the run goes on.

# Job lines are written in single quotes, for the jobs' shell to expand;
# bats' run sets output, lines, stderr and stderr_lines.
# shellcheck disable=SC2016,SC2030,SC2031,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	common_teardown
}

# worker_pids PID: pids of the children of PID titled "prun: worker".
worker_pids() {
	ps -o pid=,args= --ppid "$1" | awk '$2 == "prun:" && $3 == "worker" { print $1 }'
}

# replaced PID: prun has two workers again, and PID is not one of them.
replaced() {
	local w
	w="$(worker_pids "$PRUN_PID")"
	[[ $(grep -c . <<<"$w") -eq 2 ]] && ! grep -qx "$1" <<<"$w"
}

# is_worker_of_prun PID: PID is a worker process of the background prun.
assert_worker_of_prun() {
	run ps -o ppid=,args= -p "$1"
	assert_success
	assert_output --regexp "^ *$PRUN_PID prun: worker "
}

# kill_worker_test SIGNAL: at -j 2, kill the worker running job 1 with
# SIGNAL while job 2 runs on the other worker; jobs 3 and 4 then need two
# workers at once, so a replacement must have been forked.
kill_worker_test() {
	local sig=$1 i w
	mkdir "$T/b"
	{
		echo "echo \$PPID >'$T/w1.tmp'; mv '$T/w1.tmp' '$T/w1'; waitfor '$T/killed' 60"
		echo "waitfor '$T/killed' 60 && echo job-2"
		for i in 3 4; do
			echo "touch '$T/b/$i'; waitcount '$T/b' 2 && echo job-$i"
		done
		for i in $(seq 5 10); do echo "echo job-$i"; done
	} >"$T/kill.jobs"
	start_prun_bg -j 2 "$T/kill.jobs" </dev/null
	wait_for_file "$T/w1"
	w="$(cat "$T/w1")"
	assert_worker_of_prun "$w"
	kill -"$sig" "$w"
	# The supervisor notices while the other worker is still busy, and
	# forks a replacement.
	wait_until 10 replaced "$w"
	touch "$T/killed"
	wait_prun
	# One job failed: the one the dead worker was running.
	assert_equal "$status" 1
	run grep '^job-' "$OUT"
	assert_equal "$(sort -t- -k2n <<<"$output")" "$(seq 2 10 | sed 's/^/job-/')"
	assert_no_leftovers
}

@test "a worker killed with SIGKILL mid-run is replaced, its job failed, the rest run" {
	kill_worker_test KILL
}

@test "a worker that crashes (SIGSEGV) mid-run is replaced, its job failed, the rest run" {
	kill_worker_test SEGV
}

@test "the job of a killed worker does not outlive prun" {
	{
		echo "echo \$PPID >'$T/w1.tmp'; mv '$T/w1.tmp' '$T/w1'; waitfor '$T/never' 60"
		echo "waitfor '$T/killed' 60 && echo job-2"
		echo "echo job-3"
	} >"$T/orphan.jobs"
	start_prun_bg -j 2 "$T/orphan.jobs" </dev/null
	wait_for_file "$T/w1"
	w="$(cat "$T/w1")"
	assert_worker_of_prun "$w"
	kill -KILL "$w"
	touch "$T/killed"
	wait_prun
	assert_equal "$status" 1
	assert_equal "$(sort "$OUT")" $'job-2\njob-3'
	assert_no_leftovers
}

@test "every worker killed mid-run: each is replaced and each job counted" {
	mkdir "$T/w"
	{
		for i in 1 2 3; do
			echo "echo \$PPID >'$T/w.$i.tmp'; mv '$T/w.$i.tmp' '$T/w/$i'; waitfor '$T/killed' 60"
		done
		for i in $(seq 4 9); do echo "echo job-$i"; done
	} >"$T/all.jobs"
	start_prun_bg -j 3 "$T/all.jobs" </dev/null
	wait_for_count "$T/w" 3
	for i in 1 2 3; do
		w="$(cat "$T/w/$i")"
		assert_worker_of_prun "$w"
		kill -KILL "$w"
	done
	touch "$T/killed"
	wait_prun
	assert_equal "$status" 3
	assert_equal "$(sort -t- -k2n "$OUT")" "$(seq 4 9 | sed 's/^/job-/')"
	assert_no_leftovers
}

@test "an idle worker that dies is replaced and no job fails" {
	mkfifo "$T/fifo"
	exec {w}<>"$T/fifo"
	start_prun_bg -j 2 <"$T/fifo" {w}>&-
	echo "echo \$PPID >'$T/w1.tmp'; mv '$T/w1.tmp' '$T/w1'; waitgrep job-3 '$OUT' 60 && echo job-1" >&"$w"
	wait_for_file "$T/w1"
	echo "echo \$PPID >'$T/w2.tmp'; mv '$T/w2.tmp' '$T/w2'; echo job-2" >&"$w"
	wait_for_file "$T/w2"
	# Once prun has printed job 2, its worker is idle.
	wait_until 30 grep -qx job-2 "$OUT"
	idle="$(cat "$T/w2")"
	[[ $idle != "$(cat "$T/w1")" ]] || fail "jobs 1 and 2 shared a worker"
	assert_worker_of_prun "$idle"
	kill -KILL "$idle"
	wait_until 10 replaced "$idle"
	# Job 1 still holds its worker: job 3 needs the replacement.
	echo "echo job-3" >&"$w"
	exec {w}>&-
	wait_prun
	assert_equal "$status" 0
	assert_equal "$(cat "$OUT")" $'job-2\njob-3\njob-1'
	assert_no_leftovers
}
