# Where the bytes of a derived instance go, by kind of code.
#   as --64 -aln=OUT.lst -o /dev/null OUT.s
#   awk -f hv/derive/bytes.awk OUT.lst OUT.s
# The listing gives the bytes each source line assembled to; the source
# says what the line is: an original instruction, part of an inline probe,
# a thunk site, a save around one, a miss path, a slow copy, a write fix-up,
# a thunk, a stub.
FNR == NR {
	if ($2 ~ /^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]$/ && $3 ~ /^([0-9A-F][0-9A-F])+$/)
		bytes[$1] += length($3) / 2
	else if ($2 ~ /^([0-9A-F][0-9A-F])+$/ && NF == 2)
		bytes[$1] += length($2) / 2
	next
}
{ line[FNR] = $0; n = FNR }
function add(kind, i) { b[kind] += bytes[i]; total += bytes[i] }
END {
	for (i = 1; i <= n; i++) {
		l = line[i]
		if (l ~ /^\t\.section\t/ || l ~ /^\t\.text/) {
			sec = l
			sub(/^\t\.section\t/, "", sec)
			sub(/^\t/, "", sec)
			sub(/[,\t ].*/, "", sec)
			part = ""
		}
		if (l ~ /^\.Lsvm_(miss|slow|wfix|wslow|wexit)_/) {
			part = l
			sub(/^\.Lsvm_/, "", part)
			sub(/_.*/, "", part)
		}
		if (!bytes[i] || sec !~ /^\.text/)
			continue
		if (sec == ".text.twin_miss") {
			if (part == "miss")
				add("miss paths of inline probes", i)
			else if (part == "slow")
				add("slow copies of inline groups", i)
			else if (part ~ /^w(slow|exit)$/)
				add("slow copies of loop windows", i)
			else
				add("write fix-ups", i)
			continue
		}
		if (sec == ".text.twin_thunks") { add("thunks", i); continue }
		if (sec == ".text.twin_stubs") { add("stubs", i); continue }
		if (unit) { unit--; add("inline probes", i); continue }
		if (l ~ /^\tmovq\t%r[a-z0-9]+, %r[a-z0-9]+$/ && line[i + 1] ~ /^\tshrq\t\$7, /) {
			unit = 6; add("inline probes", i); continue
		}
		if (l ~ /^\tincq\t__svm_hits/ ||
		    (l ~ /^\t(addq|movq)\t8\(%r[a-z0-9]+\), %r/ &&
		     (line[i - 1] ~ /^\tja\t\.Lsvm_/ || line[i - 2] ~ /^\tja\t\.Lsvm_/))) {
			add("inline probes", i); continue
		}
		if (l ~ /^\tcall\t__svm_[pq][rw]/ ||
		    (l ~ /^\t(leaq|movq)\t/ && line[i + 1] ~ /^\tcall\t__svm_[pq][rw]/)) {
			add("thunk sites (lea, call)", i); continue
		}
		if (l ~ /^\t(leaq|movq)\t/ && line[i + 1] ~ /^\tmovq\t%r[a-z0-9]+, %r[a-z0-9]+$/ &&
		    line[i + 2] ~ /^\tshrq\t\$7, /) {
			add("inline probes", i); continue
		}
		if (l ~ /^\t(pushq|popq)\t%r1[01]$/ || l ~ /^\t(pushfq|popfq)$/) {
			add("saves around probes", i); continue
		}
		add("original instructions", i)
	}
	for (k in b)
		printf "  %-32s %6d\n", k, b[k] | "sort"
	close("sort")
	printf "  %-32s %6d\n", "total", total
}
