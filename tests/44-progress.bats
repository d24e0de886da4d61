#!/usr/bin/env bats
#
# --bar, --progress and --eta.  On a real pseudo-terminal (script(1)): one
# line redrawn in place, fitting the width, erased at the end (--bar) or
# left (--progress, --eta), colour unless NO_COLOR.  Anywhere else: plain
# lines, not one escape byte or carriage return.  Never on stdout.

# Job lines are written in single quotes, for the jobs' shell to expand.
# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
	command -v script >/dev/null || skip "script(1) is not installed"
}

teardown() {
	common_teardown
}

# on_tty COLS CMD: run the shell command CMD on a fresh pseudo-terminal of
# COLS columns, with prun's path in $P; what the terminal received goes to
# $T/tty.  CMD's own exit status is returned.
on_tty() {
	local cols=$1 cmd=$2 rc=0
	P=$PRUN timeout -k 5 60 script -qfec "stty cols $cols; $cmd" /dev/null \
	    >"$T/tty" </dev/null || rc=$?
	return "$rc"
}

# bars FILE: each progress line drawn, as text without escapes, one a line.
bars() {
	perl -ne 'BEGIN { $/ = "\r" } chomp; s/\e\[[0-9;]*[mK]//g; print "$_\n" if /done|local:/' <"$1"
}

slow_jobs() {
	local n=$1 d=$2 i
	for i in $(seq 1 "$n"); do
		echo "sleep $d; echo job$i"
	done >"$T/slow.jobs"
	echo "$T/slow.jobs"
}

@test "--bar on a terminal: drawn in place, erased at the end, stdout untouched" {
	jobs="$(slow_jobs 6 0.25)"
	on_tty 100 '"$P" --bar -j 2 '"$jobs"' >'"$T/stdout"
	# Job output only on stdout.
	run sort "$T/stdout"
	assert_output "$(seq 1 6 | sed 's/^/job/' | sort)"
	# It was drawn, with its counts and fields...
	run bars "$T/tty"
	assert_output --regexp '\[#*-*\]  [0-6]/6 done  0 failed  0:0[0-9] elapsed  ETA [0-9?:]+  [0-9.]+ jobs/s'
	# ...and the terminal is left blank.
	run screen "$T/tty"
	assert_output ''
}

@test "--bar: job output on the same terminal never shares a line with it" {
	jobs="$(slow_jobs 8 0.15)"
	on_tty 80 '"$P" --bar -j 2 '"$jobs"
	run screen "$T/tty"
	# Eight whole job lines, then the empty line the bar left.
	assert_equal "$(sed -n '1,8p' <<<"$output" | sort)" \
	    "$(seq 1 8 | sed 's/^/job/' | sort)"
	assert_equal "${#lines[@]}" 8
	assert_equal "$(tail -c 1 <<<"$output" | od -An -c | tr -d ' ')" '\n'
	# The bar was really drawn in between.
	run bars "$T/tty"
	assert_output --partial '/8 done'
}

@test "--bar: colour on a terminal, none with NO_COLOR" {
	jobs="$(slow_jobs 4 0.2)"
	on_tty 80 'unset NO_COLOR; "$P" --bar -j 2 '"$jobs"' >/dev/null'
	run grep -c $'\e\\[32m' "$T/tty"
	assert_success
	on_tty 80 'NO_COLOR=1 "$P" --bar -j 2 '"$jobs"' >/dev/null'
	run grep -c $'\e\\[[0-9;]*m' "$T/tty"
	assert_output 0
	# Still redrawn in place.
	run grep -c $'\r' "$T/tty"
	refute_output 0
	run bars "$T/tty"
	assert_output --partial '/4 done'
}

@test "--bar fits the terminal's width and follows it when it changes" {
	# The third job narrows the terminal (prun gets SIGWINCH); the jobs
	# after it give the bar time to be redrawn.
	for i in 1 2; do echo "sleep 0.3"; done >"$T/winch.jobs"
	echo 'stty -F /dev/tty cols 44' >>"$T/winch.jobs"
	for i in 1 2 3 4; do echo "sleep 0.3"; done >>"$T/winch.jobs"
	on_tty 120 '"$P" --bar -j 1 '"$T/winch.jobs"' >/dev/null'
	run bars "$T/tty"
	assert_success
	# Wide first: every field, and a bar.
	assert_equal "$(head -n 1 <<<"$output" | grep -c 'jobs/s')" 1
	max=0
	while IFS= read -r l; do
		[[ ${#l} -gt $max ]] && max=${#l}
	done <<<"$output"
	[[ $max -gt 44 && $max -le 119 ]] || fail "widest line: $max columns"
	# Narrow at the end: within 43 columns, never wrapped.
	last="$(tail -n 1 <<<"$output")"
	[[ ${#last} -le 43 ]] || fail "last line is ${#last} columns: $last"
	assert_regex "$last" '7 done'
}

@test "--bar redraws at most ten times a second" {
	jobs="$(slow_jobs 4 0.5)"
	start=$(date +%s%N)
	on_tty 80 '"$P" --bar -j 2 '"$jobs"' >/dev/null'
	ms=$((($(date +%s%N) - start) / 1000000))
	n="$(bars "$T/tty" | wc -l)"
	[[ $n -ge 3 ]] || fail "only $n redraws in $ms ms"
	[[ $n -le $((ms / 100 + 2)) ]] || fail "$n redraws in $ms ms"
}

@test "--progress and --eta on a terminal leave their last state, as GNU parallel" {
	jobs="$(slow_jobs 4 0.2)"
	on_tty 100 '"$P" --progress -j 2 '"$jobs"' >/dev/null'
	run screen "$T/tty"
	assert_line --index 0 --regexp '^local:0/4/100%/[0-9]+\.[0-9]s $'
	on_tty 100 '"$P" --eta -j 2 '"$jobs"' >/dev/null'
	run screen "$T/tty"
	assert_line --index 0 --regexp '^ETA: 0s Left: 0 AVG: [0-9]+\.[0-9]{2}s  local:0/4/100%/[0-9]+\.[0-9]s $'
}

@test "stderr in a file: no escape byte, no carriage return, plain lines" {
	jobs="$(slow_jobs 20 0.01)"
	for opt in --bar --progress --eta; do
		prun_files "$opt" -j 4 "$jobs"
		assert_equal "$status" 0
		run grep -c $'[\e\r]' "$ERR"
		assert_output 0
		run sort "$OUT"
		assert_output "$(seq 1 20 | sed 's/^/job/' | sort)"
		# A line at each tenth of the jobs, the last one complete.
		run cat "$ERR"
		assert_equal "${#lines[@]}" 10
		assert_line --index 0 --regexp '^prun: 2/20 jobs done \(10%\), 0 failed, '
		assert_line --index 9 --regexp '^prun: 20/20 jobs done \(100%\), 0 failed, 0 running, 0:[0-9]{2} elapsed, [0-9.]+ jobs/s$'
	done
}

@test "TERM=dumb counts as no terminal" {
	jobs="$(slow_jobs 3 0.1)"
	on_tty 80 'TERM=dumb "$P" --bar -j 3 '"$jobs"' >/dev/null'
	run grep -c $'\e' "$T/tty"
	assert_output 0
	run screen "$T/tty"
	assert_line --regexp '^prun: 3/3 jobs done \(100%\)'
}

@test "failed jobs are counted" {
	jobs="$(mk_jobs fail.jobs 'exit 1' 'true' 'exit 3' 'true')"
	prun_files -q --bar -j 1 "$jobs"
	assert_equal "$status" 2
	run tail -n 1 "$ERR"
	assert_output --regexp '^prun: 4/4 jobs done \(100%\), 2 failed, '
}

@test "the total counts commands as the reader does" {
	# shellcheck disable=SC1003 # the backslash joins two lines of the file
	jobs="$(mk_jobs counted.jobs '# a comment' '' 'echo a \' '  b' \
	    '   ' 'echo c' '# echo d')"
	prun_files --progress -j 1 "$jobs"
	assert_equal "$status" 0
	run tail -n 1 "$ERR"
	assert_output --regexp '^prun: 2/2 jobs done \(100%\)'
}

@test "input from a pipe: the total is unknown" {
	run -0 --separate-stderr bash -c \
	    "printf 'true\ntrue\ntrue\n' | '$PRUN' --bar -j 2"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "${stderr_lines[0]}" '^prun: 3 jobs done, 0 failed, 0 running, '
	on_tty 80 'printf "sleep 0.3\nsleep 0.3\n" | "$P" --bar -j 1'
	run bars "$T/tty"
	assert_output --partial '/? done'
	refute_output --partial '['
}

@test "--resume: jobs already done are not in the total" {
	jobs="$(mk_jobs resume.jobs 'true' 'true' 'true' 'true' 'true')"
	{
		printf 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n'
		for i in 1 2 3 4; do
			printf '%s\t:\t1700000000.000\t0.010\t0\t0\t0\t0\ttrue\n' "$i"
		done
	} >"$T/log"
	prun_files --resume --joblog "$T/log" --progress -j 1 "$jobs"
	assert_equal "$status" 0
	run tail -n 1 "$ERR"
	assert_output --regexp '^prun: 1/1 jobs done \(100%\)'
}

@test "no banner, notice or citation request" {
	jobs="$(mk_jobs quiet.jobs 'echo x')"
	for opt in --bar --progress --eta; do
		prun_files "$opt" "$jobs"
		run cat "$ERR"
		refute_output --partial -i 'cite'
		refute_output --partial 'Computers'
		assert_equal "${#lines[@]}" 1
	done
}
