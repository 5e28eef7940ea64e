#!/bin/sh
# Reproduce the corruption of dom0's processes while domUs boot, the way
# it was found (hv/xen/README.md, "dom0's processes die"): boot Xen and
# dom0 with `tdh boot` (no twin module, no instance), keep dom0 exec'ing
# busybox applets with tdmemcheck (a pattern in fresh memory) and
# tdfpucheck (patterns in the vector registers) checking beside them, and
# boot and destroy the domU CYCLES times, each time waiting until it is up.
# Counts the kernel's "segfault at" lines in dom0's console, the corrupted
# memory runs and the corrupted register checks.
#
# The cause was Xen's lazy FPU switching on a TCG CPU that raised no #NM
# for XSAVE/XRSTOR: the project's QEMU carries the fix
# (qemu-e1000-tracing/patches/0006), Debian's does not.
#
# Knobs (environment):
#   QEMU=PATH      QEMU binary (default: the project's; QEMU=stock is Debian's,
#                  /usr/bin/qemu-system-x86_64, without our patches)
#   FPU=M          Xen's FPU switching: lazy (default, Xen's own choice here),
#                  eager or auto (tdh boot --xen-fpu)
#   XENARGS=A      more Xen arguments (dom0_max_vcpus=1 made it go away)
#   LOAD=0         no busy loop on the host (default: one, as a busy host has)
#   TRAFFIC=0      no iperf3 from dom0 to each domU while it is up (default: 5 s)
#
# usage: scripts/repro-dom0-corruption.sh [CYCLES] [OUTDIR]   (as root, after make)
# Prints one line and writes OUTDIR/repro.json (cycles, domu_booted,
# segfaults, corrupted_runs, fpu_corrupted and the knobs) and OUTDIR/dom0.out;
# exit 0: nothing seen, 1: segfaults or corruption, 2: setup failed.
set -u
cycles=${1:-4}
out=${2:-results/runs/repro-dom0-corruption}
cd "$(dirname "$0")/.."
tdh=$PWD/build/bin/tdh
[ -x "$tdh" ] || { echo "repro: $tdh is missing; run 'make' first" >&2; exit 2; }
case $cycles in ''|*[!0-9]*) echo "repro: CYCLES must be a number, not '$cycles'" >&2; exit 2 ;; esac
qemu_opt=
case ${QEMU:-} in
'') ;;
stock) qemu_opt=--stock-qemu ;;
*) qemu_opt="--qemu $QEMU" ;;
esac
mkdir -p "$out"
lpid=
trap '[ -z "$lpid" ] || kill "$lpid" 2>/dev/null' EXIT
trap 'exit 2' INT TERM
[ "${LOAD:-1}" = 0 ] || { sh -c 'while :; do :; done' & lpid=$!; }

# what dom0 runs: the load, the two checkers, the domU cycles
traffic=5
[ "${TRAFFIC:-1}" = 0 ] && traffic=0
script=$(cat <<EOF
(while :; do cat /proc/version; done) >/dev/null 2>&1 &
tdmemcheck 100000 64 >/tmp/memcheck.out 2>&1 &
tdfpucheck --procs 2 0 >/tmp/fpucheck.out 2>&1 &
fpu=\$!
booted=0
for c in \$(seq $cycles); do
	echo "repro: cycle \$c of $cycles: domU boots"
	: >/var/log/xen/console/guest-domU.log 2>/dev/null
	xl create /etc/xen/domU.cfg >/dev/null 2>&1 || echo "repro:   xl create failed"
	i=0
	until grep -aq 'tdh: domU ready' /var/log/xen/console/guest-domU.log 2>/dev/null; do
		i=\$((i + 1)); [ \$i -gt 90 ] && break; sleep 1
	done
	if [ \$i -le 90 ]; then
		booted=\$((booted + 1))
		[ $traffic = 0 ] || iperf3 -c 10.99.0.3 -t $traffic >/dev/null 2>&1
	else
		echo "repro:   the domU did not come up within 90 s"
	fi
	xl destroy domU >/dev/null 2>&1 || echo "repro:   xl destroy failed"
done
kill -TERM \$fpu; wait \$fpu
echo "repro: booted \$booted"
grep -c '^corrupted:' /tmp/memcheck.out | sed 's/^/repro: memcheck corrupted runs /'
pidof tdmemcheck >/dev/null && echo 'repro: tdmemcheck still checking'
grep '^tdfpucheck:' /tmp/fpucheck.out
EOF
)
# shellcheck disable=SC2086
"$tdh" boot --results "$out" --xen-fpu "${FPU:-lazy}" ${XENARGS:+--xen-args "$XENARGS"} $qemu_opt \
	--cmd-timeout $((cycles * 180 + 60)) \
	-- sh -c "$script" >"$out/dom0.out" 2>"$out/tdh.err"
rc=$?
grep -q "^repro: booted [0-9]" "$out/dom0.out" || {
	echo "repro: the boot or the cycles failed (status $rc): $(tail -n 1 "$out/tdh.err")" >&2; exit 2; }
con=$(ls -d "$out"/2*/ | tail -n 1)console-xen.log
segv=$(grep -cE '[^ ]+\[[0-9]+\]: segfault at [0-9a-f]+ ip [0-9a-f]+' "$con")
booted=$(sed -n 's/^repro: booted //p' "$out/dom0.out")
corrupt=$(sed -n 's/^repro: memcheck corrupted runs //p' "$out/dom0.out")
fpu=$(sed -n 's/^tdfpucheck: .*corrupted \([0-9]*\)$/\1/p' "$out/dom0.out")
cat >"$out/repro.json" <<EOF
{"cycles": $cycles, "domu_booted": ${booted:-0}, "segfaults": $segv, "corrupted_runs": ${corrupt:-0},
 "fpu_corrupted": ${fpu:-0}, "qemu": "${QEMU:-project}", "xen_fpu": "${FPU:-lazy}",
 "xen_args": "${XENARGS:-}", "load": ${LOAD:-1}, "traffic": ${TRAFFIC:-1}, "console": "$con"}
EOF
echo "repro: $cycles cycles (${booted:-0} domUs up), $segv segfaults in dom0, ${corrupt:-0} corrupted" \
	"memory runs, ${fpu:-0} corrupted register checks ($out/repro.json)"
[ "$segv" = 0 ] && [ "${corrupt:-0}" = 0 ] && [ "${fpu:-0}" = 0 ]
