#!/usr/bin/env bats
#
# The completion files work in their shells: the bash completion driven
# through _prun with COMP_WORDS/COMP_CWORD as bash sets them, the zsh one
# loaded by compinit from fpath, the fish one asked with complete -C.

# shellcheck disable=SC2154,SC2016 # bats sets output; single quotes are meant

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
	COMPDIR="$REPO_DIR/completions"
}

teardown() {
	common_teardown
}

# complete_bash WORD...: what _prun offers for the command line WORD...,
# completing the last WORD, one per line.  Words are as bash splits them:
# "--halt=no" is "--halt" "=" "no".
complete_bash() {
	run --separate-stderr bash -c 'source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		COMPREPLY=(); _prun; printf "%s\n" "${COMPREPLY[@]}"' \
	    bash "$COMPDIR/prun.bash" prun "$@"
	assert_success
	assert_equal "$stderr" ""
}

# table_names PREFIX: the table's long options that start with PREFIX.
table_names() {
	"$PRUN" --list-options | cut -f1 | grep -- "^$1" | sort
}

# table_choices NAME: set $want to the fixed values of option NAME, one per
# line, sorted; skip the test when NAME is not in the table yet.
table_choices() {
	local vals
	vals=$("$PRUN" --list-options | awk -F'\t' -v n="$1" '$1 == n { print $6 }')
	[[ -n $vals ]] || skip "$1 is not in the option table on this branch yet"
	want=$(tr ' ' '\n' <<<"$vals" | sort)
}

@test "bash: prun --t<TAB> offers the options that start with --t" {
	complete_bash --t
	assert_equal "$(sort <<<"$output")" "$(table_names --t)"
	assert_line --tmpdir
	assert_line --termseq
	complete_bash --tm
	assert_output --tmpdir
}

@test "bash: prun --ti<TAB> offers --timeout" {
	"$PRUN" --list-options | grep -q '^--timeout' ||
		skip "--timeout is not in the option table on this branch yet"
	complete_bash --ti
	assert_equal "$(sort <<<"$output")" "$(table_names --ti)"
	assert_line --timeout
}

@test "bash: prun -<TAB> offers short and long options, prun <TAB> files" {
	complete_bash -
	assert_line -j
	assert_line --jobs
	assert_line -k
	refute_line --list-options
	mkdir sub && : >sub/ci.jobs
	complete_bash sub/c
	assert_output sub/ci.jobs
}

@test "bash: prun --halt <TAB> offers the halt policies" {
	local want
	table_choices --halt
	complete_bash --halt ''
	assert_equal "$(sort <<<"$output")" "$want"
	assert_line now,fail=1
	assert_line soon,fail=1
	assert_line never
	# "--halt so", "--halt=so", "--halt now,fail=": bash splits the words
	# at '=', readline replaces only what follows the last '='.
	complete_bash --halt so
	assert_equal "$(sort <<<"$output")" \
	    "$(grep '^so' <<<"$want")"
	complete_bash --halt = so
	assert_equal "$(sort <<<"$output")" "$(grep '^so' <<<"$want")"
	# Readline replaces what follows the last '=' only.
	complete_bash --halt =
	assert_line never
	complete_bash --halt = soon,fail =
	assert_output 1
	complete_bash --halt now,fail = ''
	assert_output 1
	complete_bash -k --halt now,success = ''
	assert_output 1
}

@test "bash: an option's argument is not completed as an option" {
	complete_bash -j ''
	assert_output ""
	complete_bash --jobs -
	assert_output ""
	complete_bash --jobs = ''
	assert_output ""
	mkdir -p d1/d2 && : >d1/file
	complete_bash --tmpdir d1/
	assert_output d1/d2
	complete_bash --tmpdir = d1/
	assert_output d1/d2
	complete_bash -a d1/f
	assert_output d1/file
	complete_bash --shell bas
	assert_line bash
	refute_line --regexp '^-'
}

@test "bash: after -- only files are offered" {
	: >-x.jobs
	complete_bash -- -
	assert_output -x.jobs
}

@test "bash: the completion is registered for prun" {
	run bash -c 'source "$1"; complete -p prun' bash "$COMPDIR/prun.bash"
	assert_success
	assert_output --regexp '-F _prun prun$'
}

@test "zsh: _prun parses and loads through compinit from fpath" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run zsh -n "$COMPDIR/_prun"
	assert_success
	# A clean zsh finds _prun on fpath, binds it to prun and loads it.
	HOME=$T ZDOTDIR=$T run --separate-stderr zsh -f -c '
		fpath=("$1" $fpath)
		autoload -Uz compinit && compinit -u -D
		print -r -- "${_comps[prun]}"
		autoload +X -Uz _prun && print loaded' zsh "$COMPDIR"
	assert_success
	assert_equal "$stderr" ""
	assert_output "_prun
loaded"
	[[ ! -e $T/.zcompdump ]] || fail "compinit -D wrote a dump file"
}

@test "fish: prun.fish parses, and complete -C offers options and values" {
	command -v fish >/dev/null || skip "fish is not installed"
	run fish -n "$COMPDIR/prun.fish"
	assert_success
	run --separate-stderr fish -c 'source $argv[1]; complete -C"prun --ke"' \
	    "$COMPDIR/prun.fish"
	assert_success
	assert_equal "$stderr" ""
	assert_output --regexp $'^--keep-order\t'
	run --separate-stderr fish -c 'source $argv[1]; complete -C"prun --t"' \
	    "$COMPDIR/prun.fish"
	assert_equal "$(cut -f1 <<<"$output" | sort)" "$(table_names --t)"
}

@test "fish: prun --halt <TAB> offers the halt policies" {
	command -v fish >/dev/null || skip "fish is not installed"
	local want
	table_choices --halt
	run --separate-stderr fish -c 'source $argv[1]; complete -C"prun --halt "' \
	    "$COMPDIR/prun.fish"
	assert_success
	assert_equal "$(cut -f1 <<<"$output" | sort)" "$want"
}
