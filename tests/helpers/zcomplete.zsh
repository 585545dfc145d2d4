# zcomplete.zsh DIR LINE: what zsh's completion system (with DIR first in
# $fpath, so DIR/_pfan) offers when TAB is pressed after LINE, one match
# a line, sorted.
#
# Completion runs only inside the line editor, so an interactive zsh is
# driven on a pseudo-terminal (zpty). Its compadd is wrapped to append
# each match to a file, and a post-completion hook marks the end.
zmodload zsh/zpty || exit 2
dir=$1 line=$2
out=$(mktemp) || exit 2
rm -f $out.done
zpty pfanz zsh -f -i
zpty -w pfanz "fpath=(${(q)dir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w pfanz "compadd() { local -a m; builtin compadd -O m \"\$@\"; (( \$#m )) && print -rl -- \$m >>${(q)out}; builtin compadd \"\$@\"; }"
zpty -w pfanz "comppostfuncs=(pfan_done); pfan_done() { : >${(q)out}.done; }"
zpty -w pfanz "bindkey '^I' complete-word"
zpty -w -n pfanz "$line"$'\t'
# A bound, not a measurement: the machine may be busy.
for i in {1..600}; do
	[[ -e $out.done ]] && break
	sleep 0.1
done
zpty -d pfanz
if [[ ! -e $out.done ]]; then
	print -u2 "zcomplete: no completion ended after 60 s for: $line"
	rm -f $out
	exit 1
fi
sort -u $out
rm -f $out $out.done
