# bash completion for prun
_prun()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-j|--jobs|--max-jobs-per-worker|--termseq)
		return ;;
	--shell)
		COMPREPLY=($(compgen -c -- "$cur")) ; return ;;
	--tmpdir)
		COMPREPLY=($(compgen -d -- "$cur")) ; return ;;
	-a|--arg-file)
		COMPREPLY=($(compgen -f -- "$cur")) ; return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-a --arg-file -h --help -j --jobs -k
		    --keep-order --max-jobs-per-worker -q --quiet --shell
		    --termseq --tmpdir -u --ungroup -V --version' -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _prun prun
