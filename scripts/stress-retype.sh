#!/bin/sh
# Stress the type changes dom0 makes of pages the instance's TLB holds
# writable (hv/xen/README.md, "Invalidation rule"): the instance attached
# to dom0's e1000 and receiving from the peer while dom0 forks (every
# fork pins new page tables, made of pages dom0 freed, often just-consumed
# receive buffers the TLB still caches), detached and attached again
# between rounds.  Before Xen looked again after each drop of the TLB's
# entries (not once), a type change could still fail: dom0's fork() then
# warned in xen_mc_flush and oopsed in xen_set_pmd.
#
# usage: scripts/stress-retype.sh [ROUNDS] [OUTDIR]   (as root, after make)
# Writes OUTDIR/stress.json (rounds, retype_flushes, rx_frames, bad_lines,
# the console) and prints one line; exit 0: no failed type change (no
# xen_mc_flush warning, Oops or "stays writable" line), 1: some, 2: setup
# failed.
set -u
rounds=${1:-6}
out=${2:-results/runs/stress-retype}
cd "$(dirname "$0")/.."
tdh=$PWD/build/bin/tdh
[ -x "$tdh" ] || { echo "stress: $tdh is missing; run 'make' first" >&2; exit 2; }
case $rounds in ''|*[!0-9]*) echo "stress: ROUNDS must be a number, not '$rounds'" >&2; exit 2 ;; esac
mkdir -p "$out"
bpid=
trap '[ -z "$bpid" ] || { kill -INT "$bpid" 2>/dev/null; wait "$bpid"; }' EXIT
trap 'exit 2' INT TERM

: >"$out/boot.log"
"$tdh" boot --machine xen --results "$out" >"$out/boot.log" 2>&1 &
bpid=$!
i=0
until grep -q "holding the machine" "$out/boot.log"; do
	i=$((i + 1))
	if [ $i -gt 600 ] || ! kill -0 $bpid 2>/dev/null; then
		echo "stress: the machine did not come up: $(tail -n 1 "$out/boot.log")" >&2; exit 2
	fi
	sleep 1
done
sock=$(sed -n 's/.*agent socket \([^,]*\),.*/\1/p' "$out/boot.log")
ns=$(sed -n 's/.*peer namespace \([^;]*\);.*/\1/p' "$out/boot.log")
agent() { "$tdh" agent --socket "$sock" --timeout 120 -- "$1"; }

agent 'twinctl load >/dev/null 2>&1 && twinctl attach eth0 2>&1' >"$out/dom0.out" ||
	{ echo "stress: loading or attaching the instance failed ($out/dom0.out)" >&2; exit 2; }
for r in $(seq "$rounds"); do
	ip netns exec "$ns" iperf3 -c 10.99.0.2 -t 15 >"$out/iperf-$r.txt" 2>&1 &
	ipid=$!
	sleep 1
	agent 'i=0; while [ $i -lt 1500 ]; do /bin/true; i=$((i + 1)); done' >>"$out/dom0.out"
	wait $ipid || echo "stress: round $r: iperf3 failed ($out/iperf-$r.txt)" >&2
	agent 'twinctl detach 2>&1 && twinctl attach eth0 2>&1' >>"$out/dom0.out"
done
status=$(agent 'twinctl status --json')
flushes=$(echo "$status" | tr ',' '\n' | sed -n 's/.*"svm_retype_flushes": *\([0-9]*\).*/\1/p' | head -n 1)
frames=$(echo "$status" | tr ',' '\n' | sed -n 's/^ *"rx_frames": *\([0-9]*\).*/\1/p' | head -n 1)
kill -INT $bpid; wait $bpid; bpid=
con=$(ls -d "$out"/2*/ | tail -n 1)console-xen.log
bad=$(grep -cE 'xen_mc_flush|stays writable|Oops' "$con")
cat >"$out/stress.json" <<EOF
{"rounds": $rounds, "retype_flushes": ${flushes:-0}, "rx_frames": ${frames:-0}, "bad_lines": $bad,
 "console": "$con"}
EOF
echo "stress: $rounds rounds, ${frames:-0} frames received by the instance, ${flushes:-0} type" \
	"changes that dropped TLB entries, $bad failed ($out/stress.json)"
[ "$bad" = 0 ]
