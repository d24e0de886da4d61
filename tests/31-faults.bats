#!/usr/bin/env bats
#
# Faults injected for real: workers killed with kill -9, full and
# read-only file systems (a small tmpfs mounted for the test), a process
# limit (ulimit -u, as an unprivileged user), a shell that disappears.
# prun must say what went wrong, naming the file or directory, exit
# non-zero, lose no output it could deliver, and leave no process behind.

# Job lines are written in single quotes, for the jobs' shell to expand;
# bats' run sets output, lines, stderr and stderr_lines.
# shellcheck disable=SC2016,SC2030,SC2031,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
	MNT=
	NT=
}

teardown() {
	common_teardown
	if [[ -n $MNT ]] && mountpoint -q "$MNT"; then
		umount -l "$MNT" || true
	fi
	if [[ -n $NT ]]; then
		rm -rf "$NT"
	fi
}

jl_field() {
	awk -F'\t' -v s="$1" -v n="$2" 'NR > 1 && $1 == s { print $n }' "${JL:-$T/log}"
}

# mount_tmpfs SIZE: a fresh tmpfs of SIZE at $T/mnt, in $MNT.  Mounting
# needs root; without it the test is skipped (the fallback: these faults
# are then only covered by the unit of code that reports them).
mount_tmpfs() {
	[[ $(id -u) -eq 0 ]] || skip "mounting a tmpfs needs root"
	MNT=$T/mnt
	mkdir -p "$MNT"
	mount -t tmpfs -o "size=$1" prun-test "$MNT" ||
	    skip "cannot mount a tmpfs here"
}

# gone PID: no process PID.
gone() {
	! kill -0 "$1" 2>/dev/null
}

# worker_of PID: the worker running the job whose shell is PID.
worker_of() {
	ps -o ppid= -p "$1" | tr -d ' '
}

@test "a worker killed with -9 mid-job is replaced; its job fails, is logged, the run completes" {
	mk_jobs jobs 'echo $$ >"$T/p1.tmp"; mv "$T/p1.tmp" "$T/p1"; sleep 600' \
	    'waitfor "$T/p1" 30 && echo two' \
	    'echo three' 'echo four' >/dev/null
	start_prun_bg -j 2 --joblog "$T/log" "$T/jobs" </dev/null
	wait_for_file "$T/p1"
	local w
	w=$(worker_of "$(cat "$T/p1")")
	kill -KILL "$w"
	wait_prun
	assert_equal "$status" 1
	run sort "$OUT"
	assert_output "$(printf '%s\n' four three two)"
	run grep -E "^prun: worker [0-9]+ \\(pid $w\\) died while running job 1$" "$ERR"
	assert_success
	# The lost job's row says it was killed (signal 9).
	assert_equal "$(jl_field 1 8)" 9
	assert_equal "$(jl_field 4 7)" 0
	assert_no_leftovers
}

@test "--retries: the job of a worker killed with -9 runs again and succeeds" {
	mk_jobs jobs 'if [ -e "$T/again" ]; then echo second-try; else touch "$T/again"; echo $$ >"$T/p1.tmp"; mv "$T/p1.tmp" "$T/p1"; sleep 600; fi' \
	    'echo two' >/dev/null
	start_prun_bg -j 2 --retries 2 --joblog "$T/log" "$T/jobs" </dev/null
	wait_for_file "$T/p1"
	kill -KILL "$(worker_of "$(cat "$T/p1")")"
	wait_prun
	assert_equal "$status" 0
	run sort "$OUT"
	assert_output "$(printf '%s\n' second-try two)"
	assert_equal "$(jl_field 1 7)/$(jl_field 1 8)" 0/0
	assert_no_leftovers
}

@test "a worker killed with -9: its job's setsid() escapee is killed too, at once" {
	mk_jobs jobs 'setsid sh -c "echo \$\$ >\"$T/esc.tmp\"; mv \"$T/esc.tmp\" \"$T/esc\"; exec sleep 600" & echo $$ >"$T/p1.tmp"; mv "$T/p1.tmp" "$T/p1"; wait' \
	    'waitfor "$T/gone" 60; echo two' >/dev/null
	start_prun_bg -j 2 "$T/jobs" </dev/null
	wait_for_file "$T/p1"
	wait_for_file "$T/esc"
	local e
	e=$(cat "$T/esc")
	kill -KILL "$(worker_of "$(cat "$T/p1")")"
	# Gone while the run goes on, not only when prun exits.
	wait_until 10 gone "$e"
	touch "$T/gone"
	wait_prun
	assert_equal "$status" 1
	assert_equal "$(cat "$OUT")" two
	assert_no_leftovers
}

@test "--max-jobs-per-worker 2: each worker runs two jobs, then a new one takes over" {
	local i
	for i in 1 2 3 4 5 6 7; do echo 'echo "$PRUN_SEQ $PPID"'; done >"$T/jobs"
	prun_files -j 1 -k --max-jobs-per-worker 2 "$T/jobs"
	assert_equal "$status" 0
	run awk '{ print $2 }' "$OUT"
	assert_equal "${#lines[@]}" 7
	# Jobs 1-2, 3-4, 5-6 and 7 each had a worker of their own.
	assert_equal "${lines[0]}" "${lines[1]}"
	assert_equal "${lines[2]}" "${lines[3]}"
	assert_equal "${lines[4]}" "${lines[5]}"
	assert_equal "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" 4
	assert_no_leftovers
}

@test "--max-jobs-per-worker 1 -j 3: a fresh worker per job, never more than 3 at once" {
	local i
	# ps pads the pid it prints: strip it, or --ppid refuses it and the
	# count is 0 whatever prun does.
	for i in $(seq 1 12); do echo 'echo $PPID; ps -o pid= --ppid "$(ps -o ppid= -p $PPID | tr -d " ")" | wc -l >"$T/n.$PRUN_SEQ"'; done >"$T/jobs"
	prun_files -j 3 --max-jobs-per-worker 1 "$T/jobs"
	assert_equal "$status" 0
	assert_equal "$(sort -u "$OUT" | wc -l)" 12
	# prun's children while a job ran: at most 3 workers and a retiring one.
	run sh -c "cat '$T'/n.* | sort -n"
	[[ ${lines[0]} -ge 1 ]] || fail "a job saw no worker: ${lines[*]}"
	[[ ${lines[-1]} -le 4 ]] || fail "prun had ${lines[-1]} children at once"
	assert_no_leftovers
}

@test "spool full (1 MiB tmpfs): the job is named, its output kept, no new job, exit 255" {
	mount_tmpfs 1m
	# Job 1's output fits and is printed (and its spool freed) before job 2
	# fills the file system.
	mk_jobs jobs 'head -c 300000 /dev/zero | tr "\0" a; echo' \
	    'head -c 2000000 /dev/zero | tr "\0" b; echo' \
	    'echo never >"$T/never"' >/dev/null
	prun_files -j 1 --tmpdir "$MNT" --joblog "$T/log" "$T/jobs"
	assert_equal "$status" 255
	run grep -x "prun: job 2: no space left in spool directory $MNT: its output may be incomplete; starting no new jobs" "$ERR"
	assert_success
	assert_equal "$(head -1 "$OUT" | tr -d a | wc -c)" 1
	assert_equal "$(head -1 "$OUT" | wc -c)" 300001
	[[ ! -e $T/never ]] || fail "a job started after the spool filled up"
	# Both jobs that ran are logged; job 2 is counted failed.
	assert_equal "$(jl_field 1 7)" 0
	assert_equal "$(jl_field 2 1)" 2
	run grep -x 'prun: 1 of 2 jobs failed: 2' "$ERR"
	assert_success
	assert_no_leftovers
}

@test "a spool directory that runs out of inodes mid-run stops the run, naming it" {
	[[ $(id -u) -eq 0 ]] || skip "mounting a tmpfs needs root"
	MNT=$T/mnt
	mkdir -p "$MNT"
	mount -t tmpfs -o size=4m,nr_inodes=16 prun-test "$MNT" ||
	    skip "cannot mount a tmpfs here"
	# With -k, the output of jobs 2, 3... waits for job 1 in spool files,
	# one inode each, until the worker can't create one.
	{
		echo 'echo 1; waitfor "$T/go" 60'
		for i in $(seq 2 40); do echo "echo $i"; done
	} >"$T/jobs"
	start_prun_bg -j 2 -k --tmpdir "$MNT" "$T/jobs" </dev/null
	wait_until 30 grep -q 'creating a spool file' "$ERR"
	touch "$T/go"
	wait_prun
	assert_equal "$status" 255
	run grep -cE "^prun: job [0-9]+: creating a spool file in $MNT: No space left on device$" "$ERR"
	assert_output 1
	# What ran is printed whole and in order; the run stopped there.
	local n
	n=$(wc -l <"$OUT")
	[[ $n -ge 5 && $n -lt 40 ]] || fail "$n jobs printed"
	assert_equal "$(cat "$OUT")" "$(seq 1 "$n")"
	assert_no_leftovers
}

@test "an unusable spool directory is refused before any job runs" {
	mount_tmpfs 1m
	mount -o remount,ro "$MNT"
	mk_jobs jobs 'touch "$T/ran"' >/dev/null
	run_prun --separate-stderr --tmpdir "$MNT" "$T/jobs"
	assert_prun_error "^prun: --tmpdir $MNT: cannot create spool files: Read-only file system$"
	run_prun --separate-stderr --tmpdir "$T/missing" "$T/jobs"
	assert_prun_error "^prun: --tmpdir $T/missing: No such file or directory$"
	[[ ! -e $T/ran ]] || fail "a job ran"
}

@test "stdout on a full file system: an error naming the file, no new job, exit 255" {
	mount_tmpfs 512k
	mk_jobs jobs 'head -c 300000 /dev/zero' 'head -c 400000 /dev/zero' 'touch "$T/never"' >/dev/null
	status=0
	env "PRUN_TEST_MARK=$MARK" in-session "$SIDS" "$PRUN" -j 1 "$T/jobs" \
	    >"$MNT/out" 2>"$ERR" || status=$?
	assert_equal "$status" 255
	run cat "$ERR"
	assert_output "prun: writing output to $MNT/out: No space left on device"
	[[ ! -e $T/never ]] || fail "a job started after stdout failed"
	assert_no_leftovers
}

@test "--joblog on a full file system: an error naming it, exit 255" {
	mount_tmpfs 64k
	head -c 60000 /dev/zero >"$MNT/filler" || true
	local i
	for i in $(seq 1 200); do echo "echo $i-padding-padding-padding-padding-padding"; done >"$T/jobs"
	prun_files -j 2 --joblog "$MNT/log" "$T/jobs"
	assert_equal "$status" 255
	run grep -c . "$OUT"
	assert_output 200
	run grep -x "prun: --joblog $MNT/log: No space left on device" "$ERR"
	assert_success
	assert_no_leftovers
}

@test "--joblog and --results where nothing can be written: refused before any job" {
	mount_tmpfs 1m
	mount -o remount,ro "$MNT"
	mk_jobs jobs 'touch "$T/ran"' >/dev/null
	run_prun --separate-stderr --joblog "$MNT/log" "$T/jobs"
	assert_prun_error "^prun: --joblog $MNT/log: Read-only file system$"
	run_prun --separate-stderr --results "$MNT/res" "$T/jobs"
	assert_equal "$status" 255
	[[ ${stderr_lines[0]} == "prun: "*"$MNT/res"*"Read-only file system" ]] ||
	    fail "no error naming $MNT/res: $stderr"
	[[ ! -e $T/ran ]] || fail "a job ran"
}

@test "--results on a file system that fills up: an error naming the file, exit 255" {
	mount_tmpfs 256k
	local i
	for i in $(seq 1 8); do echo 'head -c 50000 /dev/zero'; done >"$T/jobs"
	prun_files -j 1 --tmpdir "$T" --results "$MNT/res" "$T/jobs"
	assert_equal "$status" 255
	run grep -E "^prun: .*$MNT/res.*: No space left on device$" "$ERR"
	assert_success
	assert_no_leftovers
}

# As nobody, with room for prun, its workers and two jobs: the other jobs'
# forks fail with EAGAIN (root would ignore RLIMIT_NPROC).
@test "fork fails with EAGAIN (ulimit -u): clear errors, the run completes, no crash" {
	[[ $(id -u) -eq 0 ]] || skip "needs root to become nobody"
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	[[ -z $(ps -u nobody -o pid=) ]] || skip "nobody has processes: the limit would be off"
	NT=$(mktemp -d /tmp/prun-nproc.XXXXXX)
	chmod 777 "$NT"
	mkdir -m 777 "$NT/spool"
	for i in 1 2 3 4 5 6; do echo "sleep 3"; done >"$NT/jobs"
	chmod 644 "$NT/jobs"
	status=0
	env "PRUN_TEST_MARK=$MARK" "TMPDIR=$NT/spool" \
	    setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    bash -c 'ulimit -u 7 && exec "$0" -j 4 --joblog "$1/log" "$1/jobs"' \
	    "$PRUN" "$NT" >"$OUT" 2>"$ERR" || status=$?
	# prun (bash execs it) and 4 workers leave room for 2 jobs: 4 fail,
	# each after its worker retried the fork for about 0.6 s.
	assert_equal "$status" 4
	run grep -cE '^prun: job [0-9]+: forking: Resource temporarily unavailable$' "$ERR"
	assert_output 4
	run grep -x 'prun: 4 of 6 jobs failed: .*' "$ERR"
	assert_success
	JL=$NT/log
	assert_equal "$(awk -F'\t' 'NR > 1 { print $7 }' "$JL" | sort | uniq -c | awk '{ print $1 "x" $2 }' | sort | tr '\n' ' ')" "2x0 4x255 "
	assert_no_leftovers
}

@test "a missing --shell is refused before any job; a shell removed mid-run fails its jobs with 127" {
	mk_jobs jobs 'echo one; touch "$T/r1"; waitfor "$T/gone" 30' 'echo two; echo 2b' >/dev/null
	run_prun --separate-stderr --shell "$T/nosuchsh" "$T/jobs"
	assert_prun_error "^prun: --shell $T/nosuchsh: No such file or directory$"
	cp /bin/sh "$T/mysh"
	start_prun_bg -j 1 --shell "$T/mysh" --joblog "$T/log" "$T/jobs" </dev/null
	wait_for_file "$T/r1"
	rm "$T/mysh"
	touch "$T/gone"
	wait_prun
	assert_equal "$status" 1
	assert_equal "$(cat "$OUT")" one
	run grep -x "prun: job 2: executing $T/mysh: No such file or directory" "$ERR"
	assert_success
	assert_equal "$(jl_field 2 7)" 127
	assert_no_leftovers
}

@test "jobs that close, redirect or share their output, or print binary, are handled" {
	printf '%s\n' \
	    'exec >&-; echo closed-stdout-err >&2' \
	    'exec >"$T/redir"; echo into-file' \
	    'exec 2>&1; echo merged-err >&2' \
	    'printf "$(printf "\\\\%03o" $(seq 0 255))"' >"$T/jobs"
	prun_files -j 4 -k "$T/jobs"
	assert_equal "$status" 0
	assert_equal "$(cat "$ERR")" closed-stdout-err
	assert_equal "$(cat "$T/redir")" into-file
	# merged-err then the 256 byte values, nothing else.
	local want
	want=$( (echo merged-err; printf "$(printf '\\%03o' $(seq 0 255))") | od -An -tx1)
	assert_equal "$(od -An -tx1 "$OUT")" "$want"
	assert_no_leftovers
}

@test "a job's background children holding its output don't hold up the run" {
	mk_jobs jobs 'sleep 600 & echo bg-child' \
	    'setsid sleep 600 & echo setsid-child' \
	    '(trap "" HUP TERM; sleep 600) & echo immune-child' \
	    'nohup sleep 600 >/dev/null 2>&1 & echo nohup-child' >/dev/null
	local t0=$SECONDS
	run_prun -j 4 "$T/jobs"
	assert_success
	[[ $((SECONDS - t0)) -lt 30 ]] || fail "the run waited for background children"
	run sort <<<"$output"
	assert_output "$(printf '%s\n' bg-child immune-child nohup-child setsid-child)"
	assert_no_leftovers
}

@test "jobs reading stdin get end-of-file and never eat the command list" {
	printf '%s\n' 'cat; echo cat-done' 'read x; echo "read=$?"' \
	    'head -c 10; echo head-done' 'echo last' >"$T/jobs"
	run_prun -j 2 -k <"$T/jobs"
	assert_success
	assert_output "$(printf '%s\n' cat-done read=1 head-done last)"
	assert_no_leftovers
}
