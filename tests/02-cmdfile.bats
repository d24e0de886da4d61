#!/usr/bin/env bats
#
# The command file: one shell command per line, comments and blank lines,
# continuation lines, CRLF, several files, stdin, long lines, raw bytes,
# and --shell.

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

@test "each line runs as a /bin/sh -c command" {
	jobs="$(mk_jobs sh.jobs <<'JOBS'
readlink -f /proc/$$/exe
echo "a b" | tr ' ' _ ; x=1 && echo "x=$x"
printf '%s|' 'single quoted' "double quoted" esc\ aped; echo
JOBS
)"
	run_prun -k -j 2 "$jobs"
	assert_success
	assert_output "$(readlink -f /bin/sh)
a_b
x=1
single quoted|double quoted|esc aped|"
	assert_no_leftovers
}

@test "jobs run in prun's working directory" {
	mkdir "$T/wd"
	jobs="$(mk_jobs wd.jobs 'pwd -P')"
	cd "$T/wd"
	run_prun "$jobs"
	assert_success
	assert_output "$(pwd -P)"
}

@test "blank and comment lines are skipped and get no number" {
	printf '%s\n' '' \
	    'echo "a $PRUN_SEQ"' \
	    '' \
	    '# a comment' \
	    '   # an indented comment' \
	    "	# a tab-indented comment" \
	    '   ' \
	    "	 	" \
	    '#echo never' \
	    "  echo \"b \$PRUN_SEQ\"" \
	    "echo '#c' \"\$PRUN_SEQ\"" \
	    '' >"$T/c.jobs"
	run_prun -k -j 2 "$T/c.jobs"
	assert_success
	assert_output $'a 1\nb 2\n#c 3'
	assert_no_leftovers
}

@test "a trailing backslash joins a line with the next one" {
	# shellcheck disable=SC1003 # the backslashes are the point
	printf '%s\n' 'echo one \' \
	    'two $PRUN_SEQ' \
	    'echo three \' \
	    '  four \' \
	    '  five $PRUN_SEQ' \
	    'echo six $PRUN_SEQ' >"$T/cont.jobs"
	run_prun -k -j 2 "$T/cont.jobs"
	assert_success
	assert_output $'one two 1\nthree four five 2\nsix 3'
	assert_no_leftovers
}

@test "CRLF line endings are accepted" {
	printf 'printf "[%%s]" a$PRUN_SEQ; echo\r\n\r\n# note\r\nprintf "[%%s]" b$PRUN_SEQ; echo\r\n' \
	    >"$T/crlf.jobs"
	printf '[a1]\n[b2]\n' >"$T/expected"
	prun_files -k -j 2 "$T/crlf.jobs"
	assert_equal "$status" 0
	run cmp "$OUT" "$T/expected"
	assert_success
	assert_no_leftovers
}

@test "a trailing backslash before CRLF joins lines too" {
	printf 'echo c \\\r\n  d $PRUN_SEQ\r\necho e $PRUN_SEQ\r\n' >"$T/crlf.jobs"
	printf 'c d 1\ne 2\n' >"$T/expected"
	prun_files -k -j 2 "$T/crlf.jobs"
	assert_equal "$status" 0
	run cmp "$OUT" "$T/expected"
	assert_success
}

@test "jobs are numbered 1, 2, 3... in input order" {
	for i in $(seq 1 30); do
		echo "echo $i \$PRUN_SEQ"
	done >"$T/seq.jobs"
	run_prun -k -j 3 "$T/seq.jobs"
	assert_success
	assert_output "$(for i in $(seq 1 30); do echo "$i $i"; done)"
}

@test "several files run as one list, in order" {
	a="$(mk_jobs a.jobs 'echo a1 $PRUN_SEQ' '# skip' 'echo a2 $PRUN_SEQ')"
	b="$(mk_jobs b.jobs '' 'echo b1 $PRUN_SEQ')"
	c="$(mk_jobs c.jobs 'echo c1 $PRUN_SEQ' 'echo c2 $PRUN_SEQ')"
	run_prun -k -j 3 "$a" "$b" "$c"
	assert_success
	assert_output $'a1 1\na2 2\nb1 3\nc1 4\nc2 5'
	# One at a time, they also start in that order.
	run_prun -j 1 "$c" "$a" "$b"
	assert_success
	assert_output $'c1 1\nc2 2\na1 3\na2 4\nb1 5'
	assert_no_leftovers
}

@test "with no file, commands come from stdin" {
	printf 'echo x $PRUN_SEQ\necho y $PRUN_SEQ\n' >"$T/in.jobs"
	run_prun -k -j 2 <"$T/in.jobs"
	assert_success
	assert_output $'x 1\ny 2'
	# A pipe rather than a file.
	run_prun -k -j 2 < <(printf 'echo p\necho q\n')
	assert_success
	assert_output $'p\nq'
	assert_no_leftovers
}

@test "- reads stdin, also between files" {
	a="$(mk_jobs a.jobs 'echo a $PRUN_SEQ')"
	b="$(mk_jobs b.jobs 'echo b $PRUN_SEQ')"
	mk_jobs in.jobs 'echo in $PRUN_SEQ' >/dev/null
	run_prun -k -j 2 - <"$T/in.jobs"
	assert_success
	assert_output 'in 1'
	run_prun -k -j 2 "$a" - "$b" <"$T/in.jobs"
	assert_success
	assert_output $'a 1\nin 2\nb 3'
	assert_no_leftovers
}

@test "an empty file runs nothing and exits 0" {
	: >"$T/empty.jobs"
	prun_files "$T/empty.jobs"
	assert_equal "$status" 0
	assert [ ! -s "$OUT" ]
	assert [ ! -s "$ERR" ]
	prun_files </dev/null
	assert_equal "$status" 0
	assert [ ! -s "$OUT" ]
	assert [ ! -s "$ERR" ]
}

@test "a file of only comments and blank lines runs nothing and exits 0" {
	printf '# one\n\n   # two\n\t\n#\n' >"$T/comments.jobs"
	prun_files -j 4 "$T/comments.jobs"
	assert_equal "$status" 0
	assert [ ! -s "$OUT" ]
	assert [ ! -s "$ERR" ]
}

@test "a last line without a newline still runs" {
	printf 'echo one\necho two' >"$T/nonl.jobs"
	run_prun -k "$T/nonl.jobs"
	assert_success
	assert_output $'one\ntwo'
}

@test "a 1 MB line runs" {
	# 786432 random bytes make exactly 1 MiB of base64, one line.
	head -c 786432 /dev/urandom | base64 -w 0 >"$T/payload"
	echo >>"$T/payload"
	{
		echo 'echo before'
		printf "echo '%s'\n" "$(cat "$T/payload")"
		echo 'echo after'
	} >"$T/long.jobs"
	assert [ "$(sed -n 2p "$T/long.jobs" | wc -c)" -gt 1048576 ]
	prun_files -k -j 2 "$T/long.jobs"
	assert_equal "$status" 0
	{ echo before; cat "$T/payload"; echo after; } >"$T/expected"
	run cmp "$OUT" "$T/expected"
	assert_success
	assert_no_leftovers
}

@test "bytes that are not UTF-8 pass through untouched" {
	# Latin-1, a lone continuation byte, an overlong encoding, 0xff 0xfe.
	raw=$'caf\xe9 \x80 \xc0\xaf \xff\xfe end'
	printf "echo '%s'\necho '%s' >&2\n" "$raw" "$raw" >"$T/raw.jobs"
	printf '%s\n' "$raw" >"$T/expected"
	prun_files -j 1 "$T/raw.jobs"
	assert_equal "$status" 0
	run cmp "$OUT" "$T/expected"
	assert_success
	run cmp "$ERR" "$T/expected"
	assert_success
	assert_no_leftovers
}

@test "job output with every byte value passes through untouched" {
	head -c 200000 /dev/urandom >"$T/blob"
	for i in $(seq 0 255); do
		# shellcheck disable=SC2059 # an octal escape for byte i
		printf "\\$(printf %03o "$i")"
	done >>"$T/blob"
	printf 'cat %s\ncat %s >&2\n' "$T/blob" "$T/blob" >"$T/bin.jobs"
	prun_files -j 2 "$T/bin.jobs"
	assert_equal "$status" 0
	run cmp "$OUT" "$T/blob"
	assert_success
	run cmp "$ERR" "$T/blob"
	assert_success
}

@test "--shell PATH runs each line with PATH -c LINE" {
	cat >"$T/myshell" <<SH
#!/bin/sh
printf '%s\n' "\$#" "\$@" >"$T/args.\$PRUN_SEQ"
exec /bin/sh "\$@"
SH
	chmod +x "$T/myshell"
	jobs="$(mk_jobs sh.jobs 'echo one; echo two' 'echo "three"')"
	run_prun -k -j 2 --shell "$T/myshell" "$jobs"
	assert_success
	assert_output $'one\ntwo\nthree'
	assert_equal "$(cat "$T/args.1")" $'2\n-c\necho one; echo two'
	assert_equal "$(cat "$T/args.2")" $'2\n-c\necho "three"'
	assert_no_leftovers
}

@test "--shell=PATH, also after the file name" {
	jobs="$(mk_jobs bash.jobs 'echo "${BASH_VERSION:+bash}[$PRUN_SEQ]"')"
	run_prun "$jobs" --shell=/bin/bash
	assert_success
	assert_output 'bash[1]'
	run_prun "$jobs" --shell /bin/bash
	assert_success
	assert_output 'bash[1]'
	# dash, the default /bin/sh, has no BASH_VERSION.
	if [[ $(readlink -f /bin/sh) != */bash ]]; then
		run_prun "$jobs"
		assert_success
		assert_output '[1]'
	fi
}
