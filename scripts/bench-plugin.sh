#!/bin/sh
# What does the instruction-accounting plugin cost?  Alternates native
# 'tdh sim' runs (TX and RX) with --no-plugin and with the plugin for
# ROUNDS rounds, then prints per mode and workload the median throughput
# and CPU-scaled throughput with their ratio to the runs without it, and
# the median instructions per KB.  A third build of the plugin (for
# example one with the inline add removed) can join the rotation:
# VARIANT=/path/to/libinsn-regions.so.
#
# usage: [VARIANT=SO] scripts/bench-plugin.sh [ROUNDS] [OUTDIR]   (as root, after make)
set -eu
rounds=${1:-3}
out=${2:-results/runs/bench-plugin}
cd "$(dirname "$0")/.."
so=build/qemu/plugins/libinsn-regions.so
mkdir -p "$out"
cp "$so" "$out/plugin.so"
modes="off on"
[ -z "${VARIANT:-}" ] || modes="off on variant"
trap 'cp "$out/plugin.so" "$so"' EXIT
for r in $(seq "$rounds"); do
	for mode in $modes; do
		echo "round $r: plugin $mode"
		opt=""
		case $mode in
		off) opt=--no-plugin ;;
		on) cp "$out/plugin.so" "$so" ;;
		variant) cp "$VARIANT" "$so" ;;
		esac
		build/bin/tdh sim --configs native --duration 5 $opt \
			--results "$out/$mode" >"$out/$mode.r$r.log" 2>&1 ||
			echo "  failed: see $out/$mode.r$r.log"
	done
done
/usr/bin/python3 - "$out" $modes <<'PY'
import glob, json, statistics as st, sys
out, modes = sys.argv[1], sys.argv[2:]
recs = {}
for mode in modes:
    for f in sorted(glob.glob(f"{out}/{mode}/2*/results.json")):
        for r in json.load(open(f))["records"]:
            recs.setdefault((r["workload"], mode), []).append(r)
for (wl, mode), rs in sorted(recs.items()):
    T = st.median(r["mbps"] for r in rs)
    S = st.median(r["cpu_scaled_mbps"] for r in rs)
    base = recs.get((wl, "off"), rs)
    T0 = st.median(r["mbps"] for r in base)
    S0 = st.median(r["cpu_scaled_mbps"] for r in base)
    ikb = [r["insn"]["per_kb"] for r in rs if r.get("insn")]
    print(f"{wl} {mode:7} n={len(rs)}  {T:5.0f} Mb/s ({T / T0:4.2f} of off)"
          f"  scaled {S:5.0f} ({S / S0:4.2f} of off)"
          + (f"  insn/KB {st.median(ikb):.0f}" if ikb else ""))
PY
