# bash completion for prun(1).
#
# The option lists below must match prun's option table (src/main.c); the
# test tests/45-docs.bats compares them with `prun --list-options`, and the
# fixed values offered for an option with those the table gives it.

_prun()
{
	# Options without an argument, and options that take one.
	local noarg=(--bar --dry-run --eta --group -h --help --jobserver
	    --jobserver-serve -k --keep-order --line-buffer --no-cgroup
	    --no-ci-groups --no-jobserver --noswap --pin --progress -q
	    --quiet --resume --resume-failed --shell-always --tag -u --ungroup -V
	    --version)
	local witharg=(-a --arg-file --ci-groups --deadline --delay
	    --halt --halt-on-error -j --jobs --joblog --json --junit
	    --limit-cpu --limit-files --limit-mem --limit-procs --load
	    --max-jobs-per-worker --memfree --nice --results --retries
	    --retry-delay --shell --tagstring --termseq --timeout
	    --tmpdir)
	local words=() cands=() w i cword=0 cur prev opt='' pfx='' val strip

	# bash splits "--halt=now,fail=1" at each '=' (COMP_WORDBREAKS): put
	# the pieces back together.  Readline replaces only what follows the
	# last '=' of the word, so that much is stripped from each reply.
	for ((i = 0; i <= COMP_CWORD && i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		if ((i > 1)) && [[ $w == = || ${COMP_WORDS[i - 1]} == = ]]; then
			words[${#words[@]} - 1]+=$w
		else
			words+=("$w")
		fi
	done
	cword=$((${#words[@]} - 1))
	cur=${words[cword]}
	prev=
	((cword > 0)) && prev=${words[cword - 1]}
	w=${cur##*=}
	strip=$((${#cur} - ${#w}))

	# After "--" only command files follow.
	for ((i = 1; i < cword; i++)); do
		if [[ ${words[i]} == -- ]]; then
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return
		fi
	done

	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		pfx=$opt=
		val=${cur#*=}
	else
		for w in "${witharg[@]}"; do
			[[ $prev == "$w" ]] && opt=$prev
		done
		val=$cur
	fi

	if [[ -n $opt ]]; then
		case $opt in
		--halt)
			mapfile -t cands < <(compgen -W 'never now,fail=1
			    soon,fail=1 now,success=1 soon,success=1 now,done=1
			    soon,done=1' -- "$val")
			;;
		--halt-on-error)
			mapfile -t cands < <(compgen -W '0 1 2' -- "$val")
			;;
		--ci-groups)
			mapfile -t cands < <(compgen -W 'github gitlab' -- "$val")
			;;
		--shell)
			mapfile -t cands < <(compgen -c -- "$val")
			;;
		--tmpdir | --results)
			compopt -o filenames 2>/dev/null
			mapfile -t cands < <(compgen -d -- "$val")
			;;
		--joblog | --json | --junit)
			compopt -o filenames 2>/dev/null
			mapfile -t cands < <(compgen -f -- "$val")
			;;
		-a | --arg-file)
			compopt -o filenames 2>/dev/null
			mapfile -t cands < <(compgen -f -- "$val")
			;;
		*)
			# A number, a size, a duration...: nothing to offer.
			;;
		esac
		COMPREPLY=()
		for w in "${cands[@]}"; do
			w=$pfx$w
			COMPREPLY+=("${w:strip}")
		done
		return
	fi

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W \
		    "${noarg[*]} ${witharg[*]}" -- "$cur")
		return
	fi
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -F _prun prun
