#!/bin/sh
# The figures twinc is judged by, measured on this host:
#   rewrite time, code growth, TLB-hit path length, sites, lines parsed
#   (from build/twin/e1000, so run `make twin` first), and the callgrind
#   instruction-count overhead of the differential corpus, per test and
#   for the memory-heavy kernel.
#   usage: [TWINC_FLAGS="--thunks all --no-groups"] hv/derive/bench.sh [ROUNDS]
#   TWINC_FLAGS (probe policy) applies to both the e1000 and the corpus runs
#   (the e1000 figures come from this script's own run of twinc on
#   build/twin/e1000/e1000_main.s); unset, it is what make twin derives
#   e1000 with (TWIN_FLAGS in derive.mk); TWINC_FLAGS= (empty) measures
#   twinc's defaults, without the hit counter.
set -eu
cd "$(dirname "$0")/../.."
rounds=${1:-20}
flags=${TWINC_FLAGS-$(sed -n 's/^TWIN_FLAGS *:= *//p' hv/derive/derive.mk)}
echo "TWINC_FLAGS: ${flags:-(none)}"
twinc=build/bin/twinc
out=build/twin/e1000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for i in 1 2 3 4 5; do
	$twinc --quiet $flags --policy hv/derive/e1000.policy -o "$tmp/o.s" \
		--manifest "$tmp/m.json" $out/e1000_main.s
	grep -o '"rewrite_seconds": [0-9.]*' "$tmp/m.json"
done | sort -t: -k2 -n | sed -n 3p | sed 's/^/e1000 median of 5 /'
start=$(date +%s.%N)
$twinc --quiet $flags --policy hv/derive/e1000.policy -o "$tmp/o.s" --obj "$tmp/o.o" \
	--orig-obj "$tmp/orig.o" --manifest "$tmp/m.json" $out/e1000_main.s
end=$(date +%s.%N)
echo "e1000 wall time of twinc incl. as: $(echo "$end - $start" | bc) s"
grep -E '"(lines_total|lines_parsed|non_stack_operands|sites_rewritten|text_bytes_original|text_bytes_derived|code_growth|group_probes|group_accesses|thunk_sites|thunks|thunk_groups|thunk_group_accesses|loop_windows|window_accesses)"' "$tmp/m.json"
size -A "$tmp/o.o" | awk '/^\.text/ { print "  " $1, $2 }'
echo "e1000 text bytes by kind of code (hv/derive/bytes.awk):"
as --64 -aln="$tmp/o.lst" -o /dev/null "$tmp/o.s"
awk -f hv/derive/bytes.awk "$tmp/o.lst" "$tmp/o.s"
echo "e1000 closure, probes that could at best be shared (hv/derive/share-bound.awk):"
awk -f hv/derive/share-bound.awk "$tmp/m.json" $out/e1000_main.s
awk '/twin_miss/ { cold = 1 } /twin_thunks/ { cold = 2 }
     /^\tja\t\.Lsvm_(miss|slow)_/ { if (cold) c++; else h++ }
     /^\tja\t\.Lsvm_wslow_/ { w++ }
     /^\tcall\t__svm_[pq][rw]/ { if (cold) tc++; else th++ }
     END { print "inline probes on the hot path:", h + 0, " in out-of-line copies:", c + 0
           print "thunk calls on the hot path:", th + 0, " in out-of-line copies:", tc + 0
           print "loop-window probes (once per page and base):", w + 0 }' "$tmp/o.s"
# hit paths as emitted: an inline probe from its address computation (the
# instruction before "movq %rA, %rB; shrq $7") to the add of the mapping (or,
# for a loop window, the load of the page); a thunk from the site's lea and
# call to the thunk's ret
awk '/^\tshrq\t\$7, / { start = NR - 2 }
     /^\tja\t\.Lsvm_(miss|slow|wslow)_/ { ja = NR }
     /^\t(addq|movq)\t8\(%/ && ja && NR - ja <= 2 { n[NR - start + 1]++; ja = 0 }
     /^__svm_[pq][rw][0-9]+_[a-z0-9]+_[a-z0-9]+:$/ { t = NR }
     /^\tret$/ && t { m[NR - t + 2]++; t = 0 }
     END { for (k in n) printf "TLB-hit path, inline (or loop window): %d instructions at %d probes\n", k, n[k]
           for (k in m) printf "TLB-hit path, thunked: %d instructions in %d thunks\n", k, m[k] }' \
	"$tmp/o.s" | sort
echo "  (address, [call,] 7 probe instructions incl. ja, [incq __svm_hits,] add of the mapping, [ret]; + the access)"

cf="-O2 -fno-pic -fno-pie -mno-red-zone -fno-jump-tables -fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none -mno-sse -mno-mmx -mno-sse2 -mno-avx -fno-tree-loop-distribute-patterns -fno-builtin"
lf="-O2 -fno-pie -no-pie -mno-red-zone -fno-stack-protector"
c=tests/twinc_corpus
gcc $cf -S -o "$tmp/corpus.s" $c/corpus.c
$twinc --quiet $flags --policy $c/corpus.policy --test -o "$tmp/t.s" --obj "$tmp/t.o" "$tmp/corpus.s"
gcc $lf -I$c -o "$tmp/orig" $c/harness.c "$tmp/corpus.s"
gcc $lf -DTWIN -I$c -Ihv/svm -o "$tmp/twin" $c/harness.c "$tmp/t.o" hv/svm/svm.c \
	hv/svm/svm_user.c hv/svm/svm_entry.S
for b in orig twin; do
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$b" "$tmp/$b" run "$rounds" \
		>/dev/null 2>&1
	callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cg.$b" 2>/dev/null |
		sed -n 's/^ *\([0-9,]*\) .*???:\(t_[a-z]*\|twin_run\)[.a-z0-9]* \[.*/\2 \1/p' |
		tr -d , | sort -k1,1 > "$tmp/ir.$b"
done
echo "callgrind, inclusive Ir per corpus test (run $rounds): original rewritten ratio"
join "$tmp/ir.orig" "$tmp/ir.twin" | awk '{ printf "  %-10s %10d %10d %5.2fx\n", $1, $2, $3, $3 / $2 }'
