# How many accesses of a driver's closure could at best share a probe
# with an earlier one, under the runtime's contract: an earlier access off
# the same base register, the register unchanged since, in the same basic
# block (a label is a join, which forgets), no call or jump between (a
# call may evict the page).  Indexed accesses and the stack do not count.
#   awk -f hv/derive/share-bound.awk manifest.json e1000_main.s
FNR == NR {
	if ($0 ~ /"closure":/) {
		s = $0
		sub(/.*"closure": \[/, "", s)
		sub(/\].*/, "", s)
		gsub(/[" ]/, "", s)
		n = split(s, f, ",")
		for (i = 1; i <= n; i++)
			closure[f[i]] = 1
	}
	next
}
/^[A-Za-z_][A-Za-z0-9_.]*:$/ {
	name = substr($0, 1, length($0) - 1)
	in_fn = name in closure
	split("", seen)
	next
}
!in_fn { next }
/^\.L[A-Za-z0-9_]+:$/ || /^[0-9]+:$/ { split("", seen); next }
/^\t\./ || /^#/ || !NF { next }
{
	insn = $1
	if (insn ~ /^(call|jmp|ret)/) { split("", seen); next }
	ops = $0
	sub(/^[ \t]*[a-z0-9]+[ \t]*/, "", ops)
	if (insn ~ /^(lock|rep)/) {
		insn = $2
		sub(/^[a-z0-9]+[ \t]*/, "", ops)
	}
	if (insn !~ /^(lea|prefetch)/ && match(ops, /\(%r[a-z0-9]+[,)]/)) {
		base = substr(ops, RSTART + 1, RLENGTH - 2)
		indexed = substr(ops, RSTART + RLENGTH - 1, 1) == ","
		if (base != "%rsp") {
			last = ops
			sub(/.*,[ \t]*/, "", last)
			w = last ~ /\(/ && insn !~ /^(cmp|test|bt[lqw]?$)/
			total++
			writes += w
			if (!indexed && (base in seen)) {
				share++
				share_w += w
			}
			if (!indexed)
				seen[base] = 1
		}
	}
	# a write of a register forgets it as a base
	dst = ops
	sub(/.*,[ \t]*/, "", dst)
	if (dst ~ /^%[a-z0-9]+$/)
		for (b in seen)
			if (index(b, substr(dst, 3)) || index(dst, substr(b, 3)))
				delete seen[b]
}
END {
	printf "  %d register-based accesses (%d writes); at best %d share a probe (%d writes):\n",
		total, writes, share, share_w
	printf "  at least %d probes, %d write fix-ups\n", total - share, writes - share_w
}
