#!/bin/sh
# The campaign behind README's "What the rule does on this machine": a
# baseline, a second run of the same build (a real A/A), a run of the
# deliberately slower variant (a smaller guest MTU), then the rule's
# false-alarm rate and its power against 5% and 10% cost increases (and
# 20% and 50% throughput losses) estimated by
# resampling the two same-build runs.  Each measured run holds the shared
# heavy-work lock on its own (about 8 minutes each), so other work can
# interleave.
#
# usage: scripts/regress-aa.sh OUTDIR [MTU] [TRIALS]   (as root, after make)
set -eu
out=${1:?usage: regress-aa.sh OUTDIR [MTU] [TRIALS]}
mtu=${2:-1000}
trials=${3:-1000}
cd "$(dirname "$0")/.."
mkdir -p "$out"
out=$(cd "$out" && pwd)
tdh=build/bin/tdh
measure() {	# NAME ARGS...: one run, its folder printed
	name=$1
	shift
	rc=0
	flock /tmp/twin-heavy.lock $tdh regress --baselines "$out/baselines" --results "$out/runs" \
		--history "$out/history.jsonl" "$@" >"$out/$name.log" 2>&1 || rc=$?
	echo "$name: exit $rc, $(grep '^VERDICT' "$out/$name.log" || tail -1 "$out/$name.log")" >&2
	readlink -f "$out/runs/latest"
}
a1=$(measure 1-baseline --update-baseline --seed 101)
a2=$(measure 2-same-build --seed 102)
measure 3-mtu-$mtu --seed 103 --guest-mtu "$mtu" >/dev/null
for shift in "" "--shift-insn 1.05" "--shift-insn 1.10" "--shift-scaled 1.20" "--shift-scaled 1.50"; do
	echo "== resampling $a1 + $a2 ${shift:-(no shift: A/A)}"
	$tdh regress --aa "$a1,$a2" --trials "$trials" --seed 1 $shift
done | tee "$out/resampling.txt"
