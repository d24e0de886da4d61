#!/usr/bin/env bats
#
# Signals sent to prun itself: SIGINT, SIGTERM and SIGQUIT stop the run
# (each running job gets the signal, then the rest of --termseq), SIGHUP
# drains it, SIGKILL leaves nothing behind, a closed stdout ends it,
# SIGTSTP/SIGSTOP and SIGCONT pause and resume it.  Every test sends real
# signals to the real process and checks output, joblog, exit status and
# that no process of the run is left.

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
	if [[ -n ${TMUX_SOCK:-} ]]; then
		tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
	fi
}

# jl_field SEQ N: field N of job SEQ's row in $T/log (7 Exitval, 8 Signal).
jl_field() {
	awk -F'\t' -v s="$1" -v n="$2" 'NR > 1 && $1 == s { print $n }' "$T/log"
}

# proc_state PID: the one-letter state of PID (R, S, T, Z...), or nothing.
proc_state() {
	awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null
}

# gone PID: no process PID.
gone() {
	! kill -0 "$1" 2>/dev/null
}

state_is() {
	[[ $(proc_state "$1") == "$2" ]]
}

# interrupt_test SIG STATUS: the common SIGINT/SIGTERM/SIGQUIT behaviour.
interrupt_test() {
	local sig=$1 want=$2 num
	num=$(kill -l "$sig")
	# Job 1 ends at once and job 4 takes its worker: then three run and
	# job 5 waits for a worker.
	mk_jobs jobs \
	    'echo done-1' \
	    'echo started-2; touch "$T/r2"; exec sleep 600' \
	    "trap 'echo caught-3; exit 7' $sig; touch \"\$T/r3\"; while :; do sleep 0.05; done" \
	    'touch "$T/r4"; exec sleep 600' \
	    'echo never-5; touch "$T/never"' >/dev/null
	start_prun_bg -j 3 --joblog "$T/log" "$T/jobs" </dev/null
	wait_for_file "$T/r2"
	wait_for_file "$T/r3"
	wait_for_file "$T/r4"
	wait_until 30 grep -qx done-1 "$OUT"
	kill -"$sig" "$PRUN_PID"
	wait_prun
	assert_equal "$status" "$want"
	# Finished and interrupted jobs' output is all there; job 5 never ran.
	run sort "$OUT"
	assert_output "$(printf '%s\n' caught-3 done-1 started-2)"
	[[ ! -e $T/never ]] || fail "a job started after SIG$sig"
	run grep -x "prun: SIG$sig: starting no new jobs, stopping 3 running" "$ERR"
	assert_success
	# The joblog has a row for each job that ran, with its signal.
	assert_equal "$(jl_field 1 7)/$(jl_field 1 8)" 0/0
	assert_equal "$(jl_field 2 7)/$(jl_field 2 8)" "0/$num"
	assert_equal "$(jl_field 3 7)/$(jl_field 3 8)" 7/0
	assert_equal "$(jl_field 4 7)/$(jl_field 4 8)" "0/$num"
	assert_equal "$(jl_field 5 1)" ""
	assert_no_leftovers
}

@test "SIGINT: running jobs get SIGINT, no new job, output and joblog kept, exit 130" {
	interrupt_test INT 130
}

@test "SIGTERM: running jobs get SIGTERM, no new job, output and joblog kept, exit 143" {
	interrupt_test TERM 143
}

@test "SIGQUIT stops the run like SIGINT, exit 131" {
	interrupt_test QUIT 131
}

@test "a job ignoring the signal is killed after the --termseq grace" {
	mk_jobs jobs "trap '' INT TERM; touch \"\$T/r1\"; sleep 600" >/dev/null
	start_prun_bg --termseq TERM,300,KILL,25 --joblog "$T/log" "$T/jobs" </dev/null
	wait_for_file "$T/r1"
	local t0=$EPOCHREALTIME
	kill -INT "$PRUN_PID"
	wait_prun
	local ms
	ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
	assert_equal "$status" 130
	# INT (ignored), 300 ms, KILL: not before the grace, not much after.
	[[ $ms -ge 300 ]] || fail "killed after $ms ms, before the 300 ms grace"
	[[ $ms -lt 5000 ]] || fail "took $ms ms to stop a job with a 300 ms grace"
	assert_equal "$(jl_field 1 8)" 9
	assert_no_leftovers
}

@test "a second SIGINT skips the grace and kills at once" {
	mk_jobs jobs "trap '' INT TERM; touch \"\$T/r1\"; sleep 600" \
	    "trap '' INT TERM; touch \"\$T/r2\"; sleep 600" >/dev/null
	# A grace far longer than the test may take.
	start_prun_bg -j 2 --termseq INT,600000,KILL --joblog "$T/log" "$T/jobs" </dev/null
	wait_for_file "$T/r1"
	wait_for_file "$T/r2"
	kill -INT "$PRUN_PID"
	wait_until 10 grep -q 'SIGINT: starting no new jobs, stopping 2 running' "$ERR"
	kill -0 "$PRUN_PID" || fail "prun did not wait for the grace"
	kill -INT "$PRUN_PID"
	wait_prun 20
	assert_equal "$status" 130
	run grep -x 'prun: SIGINT again: killing 2 running' "$ERR"
	assert_success
	assert_equal "$(jl_field 1 8)/$(jl_field 2 8)" 9/9
	assert_no_leftovers
}

@test "SIGHUP drains: running jobs finish and are reported, no new job, exit 129" {
	mk_jobs jobs 'touch "$T/r1"; waitfor "$T/go" 60; echo drained-1' \
	    'touch "$T/r2"; waitfor "$T/go" 60; echo drained-2' \
	    'echo never-3; touch "$T/never"' >/dev/null
	start_prun_bg -j 2 --joblog "$T/log" "$T/jobs" </dev/null
	wait_for_file "$T/r1"
	wait_for_file "$T/r2"
	kill -HUP "$PRUN_PID"
	wait_until 10 grep -qx 'prun: SIGHUP: starting no new jobs, waiting for 2 running' "$ERR"
	touch "$T/go"
	wait_prun
	assert_equal "$status" 129
	run sort "$OUT"
	assert_output "$(printf '%s\n' drained-1 drained-2)"
	[[ ! -e $T/never ]] || fail "a job started after SIGHUP"
	assert_equal "$(jl_field 1 7)/$(jl_field 1 8)" 0/0
	assert_equal "$(jl_field 2 7)/$(jl_field 2 8)" 0/0
	assert_equal "$(jl_field 3 1)" ""
	assert_no_leftovers
}

@test "SIGINT after SIGHUP stops at once, exit 130" {
	mk_jobs jobs 'echo one; touch "$T/r1"; sleep 600' 'touch "$T/never"' >/dev/null
	start_prun_bg -j 1 --joblog "$T/log" "$T/jobs" </dev/null
	wait_for_file "$T/r1"
	kill -HUP "$PRUN_PID"
	wait_until 10 grep -q 'SIGHUP: starting no new jobs' "$ERR"
	kill -INT "$PRUN_PID"
	wait_prun
	assert_equal "$status" 130
	assert_equal "$(cat "$OUT")" one
	assert_equal "$(jl_field 1 8)" 2
	[[ ! -e $T/never ]] || fail "a job started after SIGHUP"
	assert_no_leftovers
}

@test "a second SIGHUP stops at once: jobs get SIGHUP, exit 129" {
	mk_jobs jobs 'echo one; touch "$T/r1"; sleep 600' >/dev/null
	start_prun_bg --joblog "$T/log" "$T/jobs" </dev/null
	wait_for_file "$T/r1"
	kill -HUP "$PRUN_PID"
	wait_until 10 grep -q 'SIGHUP: starting no new jobs' "$ERR"
	kill -HUP "$PRUN_PID"
	wait_prun
	assert_equal "$status" 129
	run grep -x 'prun: SIGHUP: starting no new jobs, stopping 1 running' "$ERR"
	assert_success
	assert_equal "$(jl_field 1 8)" 1
	assert_no_leftovers
}

@test "-k: a SIGINT prints what was captured, still in input order" {
	mk_jobs jobs 'echo one-start; touch "$T/r1"; sleep 600' \
	    'echo two; touch "$T/r2"' 'echo three' >/dev/null
	start_prun_bg -k -j 3 "$T/jobs" </dev/null
	wait_for_file "$T/r1"
	wait_for_file "$T/r2"
	kill -INT "$PRUN_PID"
	wait_prun
	assert_equal "$status" 130
	run head -2 "$OUT"
	assert_output "$(printf '%s\n' one-start two)"
	assert_no_leftovers
}

@test "SIGKILL of prun: workers, jobs and setsid() escapees are gone within seconds" {
	mk_jobs jobs \
	    'setsid sh -c "echo \$\$ >\"$T/esc1.tmp\"; mv \"$T/esc1.tmp\" \"$T/esc1\"; exec sleep 600" & touch "$T/r1"; sleep 600' \
	    'setsid sh -c "echo \$\$ >\"$T/esc2.tmp\"; mv \"$T/esc2.tmp\" \"$T/esc2\"; exec sleep 600" </dev/null >/dev/null 2>&1 & touch "$T/r2"; wait' \
	    'touch "$T/r3"; exec sleep 600' >/dev/null
	start_prun_bg -j 3 "$T/jobs" </dev/null
	wait_for_file "$T/r1"
	wait_for_file "$T/r2"
	wait_for_file "$T/r3"
	wait_for_file "$T/esc1"
	wait_for_file "$T/esc2"
	local e1 e2 t0 left ms
	e1=$(cat "$T/esc1")
	e2=$(cat "$T/esc2")
	kill -0 "$e1" && kill -0 "$e2"
	# The escapees really are out of their jobs' process groups.
	[[ $(ps -o sid= -p "$e1") -eq $e1 ]] || fail "escapee 1 is not a session leader"
	t0=$EPOCHREALTIME
	kill -KILL "$PRUN_PID"
	status=0
	wait "$PRUN_PID" || status=$?
	assert_equal "$status" 137
	while :; do
		left="$(leftover_pids "$MARK")"
		[[ -z $left ]] && break
		ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
		[[ $ms -lt 3000 ]] || fail "still running $ms ms after SIGKILL: $(ps -o pid=,args= -p "${left//$'\n'/,}")"
		sleep 0.02
	done
	run ! kill -0 "$e1"
	run ! kill -0 "$e2"
	assert_no_leftovers
}

# pipe_run ARGS...: run prun ARGS | head -1 under a deadline; sets $pst
# (prun's exit status) and $output (what head printed); prun's stderr
# goes to $ERR.
pipe_run() {
	run timeout 60 env "SIDS=$SIDS" bash -c '
		env "PRUN_TEST_MARK=$MARK" in-session "$SIDS" "$PRUN" "$@" \
		    2>"$ERR" | head -1
		echo "${PIPESTATUS[0]}" >"$T/pst"' prun "$@"
	pst=$(cat "$T/pst")
}

@test "prun | head -1: prun stops promptly, kills the running jobs, ends by SIGPIPE" {
	# head gets "first" at once; the other jobs would run for ten minutes
	# and keep the three workers busy, so job 5 could only start after
	# one of them is killed.
	mk_jobs jobs 'echo first' 'sleep 600' 'sleep 600' 'sleep 600' \
	    'echo never >"$T/never"' >/dev/null
	local t0=$SECONDS
	pipe_run -j 3 "$T/jobs"
	assert_success
	assert_output first
	assert_equal "$pst" 141
	[[ $((SECONDS - t0)) -lt 30 ]] || fail "prun took $((SECONDS - t0)) s to notice"
	[[ ! -e $T/never ]] || fail "a job started after stdout was closed"
	assert_no_leftovers
}

@test "prun | head -1 while prun is writing a large output: EPIPE ends it by SIGPIPE" {
	mk_jobs jobs 'seq 1 2000000' 'seq 1 2000000' 'sleep 600' >/dev/null
	pipe_run -j 3 "$T/jobs"
	assert_success
	assert_output 1
	assert_equal "$pst" 141
	assert_no_leftovers
}

@test "-u: prun | head -1 ends the run too" {
	mk_jobs jobs 'echo first' 'sleep 600' >/dev/null
	pipe_run -u -j 2 "$T/jobs"
	assert_success
	assert_output first
	assert_equal "$pst" 141
	assert_no_leftovers
}

@test "SIGTSTP stops prun and its jobs, SIGCONT resumes both, nothing is lost" {
	mk_jobs jobs 'echo $$ >"$T/p1.tmp"; mv "$T/p1.tmp" "$T/p1"; waitfor "$T/go" 60; echo resumed-1' \
	    'echo $$ >"$T/p2.tmp"; mv "$T/p2.tmp" "$T/p2"; waitfor "$T/go" 60; echo resumed-2' \
	    'echo three' >/dev/null
	start_prun_bg -j 2 --joblog "$T/log" "$T/jobs" </dev/null
	wait_for_file "$T/p1"
	wait_for_file "$T/p2"
	local p1 p2
	p1=$(cat "$T/p1")
	p2=$(cat "$T/p2")
	kill -TSTP "$PRUN_PID"
	wait_until 10 state_is "$PRUN_PID" T
	wait_until 10 state_is "$p1" T
	wait_until 10 state_is "$p2" T
	# Stopped jobs can't see the file; the run waits, whole.
	touch "$T/go"
	kill -0 "$PRUN_PID"
	state_is "$p1" T
	kill -CONT "$PRUN_PID"
	wait_prun
	assert_equal "$status" 0
	run sort "$OUT"
	assert_output "$(printf '%s\n' resumed-1 resumed-2 three)"
	assert_equal "$(jl_field 1 7)/$(jl_field 2 7)/$(jl_field 3 7)" 0/0/0
	assert_no_leftovers
}

@test "SIGSTOP and SIGCONT of prun alone: jobs that end meanwhile are all reported" {
	mk_jobs jobs 'touch "$T/r1"; waitfor "$T/go" 60; echo one; touch "$T/d1"' \
	    'touch "$T/r2"; waitfor "$T/go" 60; echo two; touch "$T/d2"' \
	    'echo three' >/dev/null
	start_prun_bg -j 2 "$T/jobs" </dev/null
	wait_for_file "$T/r1"
	wait_for_file "$T/r2"
	kill -STOP "$PRUN_PID"
	wait_until 10 state_is "$PRUN_PID" T
	touch "$T/go"
	wait_for_file "$T/d1"
	wait_for_file "$T/d2"
	kill -CONT "$PRUN_PID"
	wait_prun
	assert_equal "$status" 0
	run sort "$OUT"
	assert_output "$(printf '%s\n' one three two)"
	assert_no_leftovers
}

# tmux_type KEYS...: type into the test's terminal.
tmux_type() {
	tmux -L "$TMUX_SOCK" send-keys -t prun "$@"
}

@test "at a terminal (tmux): Ctrl-Z stops, fg resumes, Ctrl-C stops the run with 130" {
	command -v tmux >/dev/null || skip "tmux is not installed"
	TMUX_SOCK="prun-$MARK"
	mk_jobs jobs 'echo $$ >"$T/p1.tmp"; mv "$T/p1.tmp" "$T/p1"; waitfor "$T/go" 60; echo one; touch "$T/d1"; sleep 600' \
	    'echo never >"$T/never"' >/dev/null
	env "PRUN_TEST_MARK=$MARK" tmux -L "$TMUX_SOCK" -f /dev/null new-session -d \
	    -s prun -x 160 -y 30 "bash --norc --noprofile -i"
	tmux_type "\"$PRUN\" -j 1 \"$T/jobs\" >\"$T/out\" 2>\"$T/err\"" Enter
	wait_for_file "$T/p1"
	local p1 pw pp
	p1=$(cat "$T/p1")
	# ps pads short pids with blanks: strip them before passing one on.
	pw=$(ps -o ppid= -p "$p1" 2>&1) && pw=${pw// /} &&
	    pp=$(ps -o ppid= -p "$pw" 2>&1) ||
	    fail "job 1 ($p1) is gone: [$pw] [$pp] $(cat -A "$T/p1"; ps -eo pid,ppid,pgid,stat,etime,args | grep -F -e "$T" -e "prun: worker" -e "$p1")"
	pp=${pp// /}
	# The job is in a process group of its own, not the terminal's.
	[[ $(ps -o pgid= -p "$p1") -eq $p1 ]] || fail "the job does not lead its own group"
	[[ $(ps -o pgid= -p "$pp") -ne $p1 ]] || fail "prun is in the job's group"
	tmux_type C-z
	wait_until 10 state_is "$pp" T
	wait_until 10 state_is "$p1" T
	tmux_type "fg" Enter
	wait_until 10 state_is "$p1" S
	touch "$T/go"
	wait_for_file "$T/d1"
	tmux_type C-c
	wait_until 30 gone "$pp"
	# The shell saw prun die by SIGINT.
	tmux_type 'echo $? >"'"$T"'/rc"' Enter
	wait_for_file "$T/rc" 30
	assert_equal "$(cat "$T/rc")" 130
	assert_equal "$(cat "$T/out")" one
	run grep -x 'prun: SIGINT: starting no new jobs, stopping 1 running' "$T/err"
	assert_success
	[[ ! -e $T/never ]] || fail "a job started after Ctrl-C"
	tmux -L "$TMUX_SOCK" kill-server
	assert_no_leftovers
}
