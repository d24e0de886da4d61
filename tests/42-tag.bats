#!/usr/bin/env bats
#
# --tag and --tagstring: every output line prefixed with the job's command
# (or the expanded string) and a tab, on stdout and stderr, in every output
# mode that has lines.  Compared byte for byte with GNU parallel where it
# is installed.

# Job lines are written in single quotes, for the jobs' shell to expand.
# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	common_teardown
}

# Jobs whose output has every shape a tagger can trip on: several lines,
# an unfinished last line, empty lines, tabs, stderr, no output at all.
# GNU parallel runs lines with the calling shell: bash, like ours here.
tag_jobs() {
	mk_jobs tag.jobs \
	    "printf 'one\\ntwo\\n'" \
	    "printf 'a\\tb\\n\\nc'" \
	    "echo out; echo err >&2; echo err2 >&2" \
	    "true" \
	    "printf 'x'; sleep 0.05; printf 'y\\nz\\n'"
}

need_parallel() {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
}

# same_as_parallel ARGS...: prun and GNU parallel, both with ARGS on the
# tag jobs, print the same bytes on stdout and on stderr.
same_as_parallel() {
	local jobs
	jobs="$(tag_jobs)"
	prun_files --shell bash "$@" "$jobs"
	assert_equal "$status" 0
	parallel --will-cite "$@" <"$jobs" >"$T/p.out" 2>"$T/p.err"
	run cmp "$OUT" "$T/p.out"
	assert_success
	run cmp "$ERR" "$T/p.err"
	assert_success
}

@test "--tag: each line starts with the command and a tab" {
	jobs="$(mk_jobs one.jobs "printf 'l1\\nl2\\n'; echo e >&2")"
	prun_files --tag "$jobs"
	assert_equal "$status" 0
	printf "printf 'l1\\\\nl2\\\\n'; echo e >&2\\tl1\\nprintf 'l1\\\\nl2\\\\n'; echo e >&2\\tl2\\n" >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
	printf "printf 'l1\\\\nl2\\\\n'; echo e >&2\\te\\n" >"$T/want.err"
	run cmp "$ERR" "$T/want.err"
	assert_success
}

@test "--tagstring: {#} {%} and {} are replaced, other braces kept" {
	jobs="$(mk_jobs ts.jobs 'echo a' 'echo b')"
	prun_files -k -j 1 --tagstring '[{#}/{%}] {} {x} {' "$jobs"
	assert_equal "$status" 0
	printf '[1/1] echo a {x} {\ta\n[2/1] echo b {x} {\tb\n' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
}

@test "--tagstring: {%} is the slot the job ran in" {
	jobs="$(mk_jobs slots.jobs 'waitfor "$T/go" 20; echo x' 'touch "$T/go"; echo y')"
	prun_files -k -j 2 --tagstring '{%}' "$jobs"
	assert_equal "$status" 0
	run sort "$OUT"
	assert_output $'1\tx\n2\ty'
}

@test "--tagstring wins over --tag, in either order" {
	jobs="$(mk_jobs both.jobs 'echo a')"
	prun_files --tag --tagstring T "$jobs"
	assert_equal "$(cat "$OUT")" $'T\ta'
	prun_files --tagstring T --tag "$jobs"
	assert_equal "$(cat "$OUT")" $'T\ta'
}

@test "--tag: a job longer than a read is tagged on every line" {
	jobs="$(mk_jobs long.jobs 'seq 1 200000')"
	for mode in --group --lb; do
		prun_files "$mode" --tagstring t "$jobs"
		assert_equal "$status" 0
		run cmp "$OUT" <(seq 1 200000 | sed 's/^/t\t/')
		assert_success
	done
}

@test "--tag --lb: lines longer than the line buffer are tagged once" {
	jobs="$(mk_jobs verylong.jobs \
	    'head -c 200000 /dev/zero | tr "\0" x; echo; echo short')"
	prun_files --lb --tagstring t "$jobs"
	assert_equal "$status" 0
	{
		printf 't\t'
		head -c 200000 /dev/zero | tr '\0' x
		printf '\nt\tshort\n'
	} >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
}

@test "--tag (grouped) matches GNU parallel byte for byte" {
	need_parallel
	same_as_parallel -j 1 --tag
}

@test "--tagstring (grouped, -k) matches GNU parallel byte for byte" {
	need_parallel
	same_as_parallel -k -j 1 --tagstring '{#}:{%}:{}'
}

@test "--tag -k -j 3 matches GNU parallel byte for byte" {
	need_parallel
	same_as_parallel -k -j 3 --tag
}

@test "--tag --line-buffer -k matches GNU parallel byte for byte" {
	need_parallel
	same_as_parallel -k -j 2 --tag --line-buffer
}

@test "--tag --line-buffer (one at a time) matches GNU parallel byte for byte" {
	need_parallel
	same_as_parallel -j 1 --tag --line-buffer
}
