#!/usr/bin/env bats
#
# What a job inherits from prun, and what prun leaves behind: only fds
# 0, 1 and 2, only PRUN_* added to the environment, no zombies, no
# escaped process after a timeout or an interrupt, nothing in $HOME, no
# spool file visible, and no terminal control from a command in prun's
# own messages.

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

# The shell's descriptors, as a job line, one per line.  ls runs while the
# shell waits for it, holding no pipe (a pipeline or $(...) would).
FDS='ls /proc/$$/fd'

@test "a job sees descriptors 0, 1 and 2 only, whatever the output mode" {
	local mode
	mk_jobs jobs "$FDS" "$FDS" "$FDS" >/dev/null
	for mode in "" -k -u; do
		run_prun -j 2 $mode "$T/jobs"
		assert_success
		assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "0 0 0 1 1 1 2 2 2 "
	done
	assert_no_leftovers
}

@test "a job run without a shell sees 0, 1 and 2 only (3 is ls's own)" {
	mk_jobs jobs 'ls /proc/self/fd' >/dev/null
	run_prun "$T/jobs"
	assert_success
	assert_output "$(printf '0\n1\n2\n3')"
	assert_no_leftovers
}

@test "-k with output waiting in prun and workers replaced: still 0, 1 and 2 only" {
	local i
	{
		echo "waitfor \"\$T/go\" 60; $FDS"
		for i in $(seq 2 20); do echo "$FDS; [ \$PRUN_SEQ != 20 ] || touch \"\$T/go\""; done
	} >"$T/jobs"
	run_prun -k -j 3 --max-jobs-per-worker 2 "$T/jobs"
	assert_success
	assert_equal "$(sort <<<"$output" | uniq -c | awk '{ print $1 "x" $2 }' | tr '\n' ' ')" "20x0 20x1 20x2 "
	assert_equal "${#lines[@]}" 60
	assert_no_leftovers
}

@test "a command too long for argv reaches the shell through a descriptor it closes" {
	local pad
	pad=$(head -c 200000 /dev/zero | tr '\0' x)
	echo "ls -l /proc/\$\$/fd # $pad" >"$T/jobs"
	run_prun "$T/jobs"
	assert_success
	output=$(awk 'NR > 1 { print $9, $11 }' <<<"$output")
	# 0-2, and the shell's own handle on the command text, nothing else.
	assert_equal "$(awk '$1 > 2' <<<"$output" | grep -cv 'memfd:prun-command')" 0
	assert_equal "$(awk '$1 <= 2' <<<"$output" | wc -l)" 3
	assert_no_leftovers
}

@test "a job's environment is prun's own plus PRUN_SEQ and PRUN_SLOT, nothing else" {
	# The shell's environment as it was exec'd, and env's (run without a
	# shell: a shell would add PWD).
	mk_jobs jobs 'tr "\0" "\n" </proc/$$/environ | sort' 'env' >/dev/null
	status=0
	# in-session is a shell script, which would add PWD: env -i after it.
	env "PRUN_TEST_MARK=$MARK" in-session "$SIDS" env -i PATH="$PATH" \
	    HOME="$T" "FOO=a b" PRUN_SEQ=99 PRUN_SLOT=99 "PRUN_TEST_MARK=$MARK" \
	    "$PRUN" -j 1 -k "$T/jobs" >"$OUT" 2>"$ERR" || status=$?
	assert_equal "$status" 0
	local want
	want=$(printf '%s\n' "FOO=a b" "HOME=$T" "PATH=$PATH" PRUN_SEQ=1 PRUN_SLOT=1 \
	    "PRUN_TEST_MARK=$MARK" | sort)
	assert_equal "$(sed -n 1,6p "$OUT")" "$want"
	assert_equal "$(sed -n 7,12p "$OUT" | sort)" "${want/PRUN_SEQ=1/PRUN_SEQ=2}"
	assert_no_leftovers
}

@test "a job starts with every signal at its default, even those prun inherited ignored" {
	# prun is started with HUP, USR1 and PIPE ignored (as under nohup, or
	# a parent that ignores SIGPIPE); it ignores PIPE itself besides.
	local ign='trap "" HUP USR1 PIPE; exec "$0" "$@"'
	# The setup does ignore them (bits 12, 9 and 0 of the mask).
	local word mask
	read -r word mask < <(sh -c "$ign" grep SigIgn /proc/self/status)
	(((0x$mask & 0x1201) == 0x1201)) || fail "not ignored: $mask"
	# With and without a shell.
	mk_jobs jobs 'grep SigIgn /proc/self/status' 'grep SigIgn /proc/$$/status' >/dev/null
	status=0
	env "PRUN_TEST_MARK=$MARK" in-session "$SIDS" sh -c "$ign" "$PRUN" -k \
	    "$T/jobs" >"$OUT" 2>"$ERR" || status=$?
	assert_equal "$status" 0
	local n=0
	while read -r word mask; do
		assert_equal "$word" SigIgn:
		# Signals 1 to 31; libc keeps 32 and up for itself.
		(((0x$mask & 0x7fffffff) == 0)) || fail "a job ignores signals: $mask"
		n=$((n + 1))
	done <"$OUT"
	assert_equal "$n" 2
	assert_no_leftovers
}

# zombies SID: pids of zombies in session SID.
zombies() {
	ps -s "$1" -o pid=,stat= | awk '$2 ~ /^Z/ { print $1 }'
}

@test "no zombie lingers during a long run with orphans and recycled workers" {
	local i sid seen=() z p
	for i in $(seq 1 400); do echo '(sleep 0.01 &); sleep 0.3 & echo $!'; done >"$T/jobs"
	start_prun_bg -j 4 --max-jobs-per-worker 7 "$T/jobs" </dev/null
	sid=$PRUN_PID
	# A zombie seen twice, half a second apart, was not reaped in time.
	while kill -0 "$PRUN_PID" 2>/dev/null; do
		z=$(zombies "$sid")
		for p in $z; do
			if [[ " ${seen[*]} " == *" $p "* ]] && [[ $(zombies "$sid") == *"$p"* ]]; then
				ps -s "$sid" -o pid,ppid,stat,args
				fail "zombie $p lingers"
			fi
		done
		read -ra seen <<<"$z"
		sleep 0.5
	done
	wait_prun
	assert_equal "$status" 0
	assert_equal "$(grep -c . "$OUT")" 400
	assert_no_leftovers
}

@test "--timeout kills a job's setsid() escapee before the next job starts" {
	# One worker: job 2 starts only once job 1 is over, escapees included.
	mk_jobs jobs 'setsid sh -c "echo \$\$ >\"$T/esc.tmp\"; mv \"$T/esc.tmp\" \"$T/esc\"; exec sleep 600" & wait' \
	    'e=$(cat "$T/esc"); [ -n "$e" ] && ! kill -0 $e 2>/dev/null && echo escapee-gone' >/dev/null
	run_prun --separate-stderr -j 1 --timeout 1 "$T/jobs"
	assert_equal "$status" 1
	assert_output escapee-gone
	assert_no_leftovers
}

@test "SIGINT kills a job's setsid() escapee too" {
	mk_jobs jobs 'setsid sh -c "echo \$\$ >\"$T/esc.tmp\"; mv \"$T/esc.tmp\" \"$T/esc\"; trap \"\" INT TERM HUP; exec sleep 600" & wait' >/dev/null
	start_prun_bg "$T/jobs" </dev/null
	wait_for_file "$T/esc"
	local e
	e=$(cat "$T/esc")
	[[ $(ps -o sid= -p "$e") -eq $e ]] || fail "the escapee did not leave the session"
	kill -INT "$PRUN_PID"
	wait_prun
	assert_equal "$status" 130
	! kill -0 "$e" 2>/dev/null || fail "escapee $e survived"
	assert_no_leftovers
}

@test "prun writes nothing to \$HOME and needs none" {
	mkdir "$T/home"
	mk_jobs jobs 'echo one' 'exit 3' >/dev/null
	status=0
	HOME=$T/home env "PRUN_TEST_MARK=$MARK" in-session "$SIDS" "$PRUN" \
	    --joblog "$T/log" "$T/jobs" >"$OUT" 2>"$ERR" || status=$?
	assert_equal "$status" 1
	assert_equal "$(find "$T/home" -mindepth 1 | wc -l)" 0
	status=0
	env -u HOME "PRUN_TEST_MARK=$MARK" in-session "$SIDS" "$PRUN" "$T/jobs" \
	    >"$OUT" 2>"$ERR" || status=$?
	assert_equal "$status" 1
	assert_equal "$(cat "$OUT")" one
	assert_no_leftovers
}

@test "spool files are never visible in the spool directory, even after kill -9" {
	mkdir "$T/spool"
	mk_jobs jobs 'head -c 100000 /dev/zero; touch "$T/r1"; waitfor "$T/go" 60' \
	    'echo two; touch "$T/r2"; sleep 600' >/dev/null
	start_prun_bg -j 2 --tmpdir "$T/spool" "$T/jobs" </dev/null
	wait_for_file "$T/r1"
	wait_for_file "$T/r2"
	# Both jobs hold output in spools now.
	assert_equal "$(ls -A "$T/spool")" ""
	kill -KILL "$PRUN_PID"
	wait_prun
	assert_equal "$(ls -A "$T/spool")" ""
	assert_no_leftovers
}

@test "a command's escape sequences are escaped in prun's messages, raw in its output" {
	printf '%s\n' "printf 'raw\\033[31mred\\033[0m\\n'; sleep 600 # $(printf '\033]0;title\007\001')" >"$T/jobs"
	prun_files --timeout 0.3 "$T/jobs"
	assert_equal "$status" 1
	# The job's own bytes pass untouched.
	assert_equal "$(od -An -c "$OUT" | tr -s ' ')" "$(printf 'raw\033[31mred\033[0m\n' | od -An -c | tr -s ' ')"
	# prun's message shows them escaped; no escape byte reaches stderr.
	run grep -c $'\033' "$ERR"
	assert_output 0
	run grep -F 'prun: job 1 timed out: printf '"'"'raw\\033[31mred\\033[0m\\n'"'"'; sleep 600 # \033]0;title\a\001' "$ERR"
	assert_success
	assert_no_leftovers
}

@test "prun started with 0, 1 or 2 closed never mistakes its own descriptors for them" {
	local i
	for i in $(seq 1 20); do echo "echo $i"; done >"$T/jobs"
	echo 'exit 3' >>"$T/jobs"
	# stderr closed: warnings must not land in a worker's socket.
	status=0
	env "PRUN_TEST_MARK=$MARK" in-session "$SIDS" "$PRUN" -j 3 -k "$T/jobs" \
	    >"$OUT" 2>&- || status=$?
	assert_equal "$status" 1
	assert_equal "$(cat "$OUT")" "$(seq 1 20)"
	# stdout closed: an error, as for any write to a closed descriptor.
	status=0
	env "PRUN_TEST_MARK=$MARK" in-session "$SIDS" "$PRUN" -j 3 "$T/jobs" \
	    >&- 2>"$ERR" || status=$?
	assert_equal "$status" 255
	run grep -x 'prun: writing output: Bad file descriptor' "$ERR"
	assert_success
	# stdin closed: no command to read, and no descriptor taken for it.
	status=0
	env "PRUN_TEST_MARK=$MARK" in-session "$SIDS" "$PRUN" -j 3 \
	    <&- >"$OUT" 2>"$ERR" || status=$?
	assert_equal "$status" 0
	assert_equal "$(cat "$OUT" "$ERR")" ""
	assert_no_leftovers
}

@test "a signal reaches an escapee forked by another thread of the job" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	# The job ignores SIGINT and SIGTERM; a thread of it forks a child
	# that leaves the session and notes the SIGINT it gets.  Only a walk
	# of every thread's children finds it while the job still runs.
	cat >"$T/thr.py" <<-'PY'
		import os, signal, threading, time
		T = os.environ["T"]
		signal.signal(signal.SIGINT, signal.SIG_IGN)
		signal.signal(signal.SIGTERM, signal.SIG_IGN)
		def got(*_):
		    open(T + "/got-int", "w").close()
		    os._exit(0)
		def spawn():
		    pid = os.fork()
		    if pid == 0:
		        os.setsid()
		        signal.signal(signal.SIGINT, got)
		        with open(T + "/esc.tmp", "w") as f:
		            f.write(str(os.getpid()))
		        os.rename(T + "/esc.tmp", T + "/esc")
		        while True:
		            time.sleep(1)
		    os.waitpid(pid, 0)
		threading.Thread(target=spawn, daemon=True).start()
		time.sleep(600)
	PY
	mk_jobs jobs 'exec python3 "$T/thr.py"' >/dev/null
	start_prun_bg "$T/jobs" </dev/null
	wait_for_file "$T/esc"
	kill -INT "$PRUN_PID"
	wait_prun
	assert_equal "$status" 130
	[[ -e $T/got-int ]] || fail "the escapee never got SIGINT"
	assert_no_leftovers
}
