#!/bin/sh
# What does tracing the e1000 cost?  Alternates native 'tdh sim' runs
# (TX and RX) without tracing, with --trace dma and with --trace all for
# ROUNDS rounds, then prints per mode and workload the median throughput
# and CPU-scaled throughput with their ratio to the untraced runs of the
# same rounds, and the trace's size per frame moved.
#
# usage: scripts/bench-tracing.sh [ROUNDS] [OUTDIR]   (as root, after make)
set -eu
rounds=${1:-3}
out=${2:-results/runs/bench-tracing}
cd "$(dirname "$0")/.."
mkdir -p "$out"
for r in $(seq "$rounds"); do
	for mode in off dma all; do
		echo "round $r: trace $mode"
		opt=""
		[ "$mode" = off ] || opt="--trace $mode"
		# shellcheck disable=SC2086
		build/bin/tdh sim --configs native --duration 5 $opt \
			--results "$out/$mode" >"$out/$mode.r$r.log" 2>&1 ||
			echo "  failed: see $out/$mode.r$r.log"
	done
done
/usr/bin/python3 - "$out" <<'PY'
import glob, json, os, statistics as st, subprocess, sys
out = sys.argv[1]
med = {}
for mode in ("off", "dma", "all"):
    runs = sorted(glob.glob(f"{out}/{mode}/2*/results.json"))
    for f in runs:
        for r in json.load(open(f))["records"]:
            med.setdefault((mode, r["workload"]), []).append(r)
    sizes = []
    for f in runs:
        for t in glob.glob(os.path.join(os.path.dirname(f), "*.simpletrace")):
            s = json.loads(subprocess.run(["build/bin/e1000-trace", "summary", t],
                                          capture_output=True, text=True).stdout)
            frames = s["tx_packets"] + s["rx_packets"]
            sizes.append((os.path.getsize(t) / frames, s["events"] / frames, s["dropped"]))
    if sizes:
        print(f"trace {mode}: {st.median(b for b, _, _ in sizes):.0f} bytes and "
              f"{st.median(e for _, e, _ in sizes):.1f} events per frame "
              f"(boot included), {sum(d for _, _, d in sizes)} events dropped, "
              f"{len(sizes)} traces")
for (mode, wl), recs in sorted(med.items()):
    T = st.median(r["mbps"] for r in recs)
    S = st.median(r["cpu_scaled_mbps"] for r in recs)
    base = med.get(("off", wl), recs)
    T0 = st.median(r["mbps"] for r in base)
    S0 = st.median(r["cpu_scaled_mbps"] for r in base)
    print(f"{mode:4} {wl} n={len(recs)}  {T:5.0f} Mb/s ({T / T0:4.2f} of off)"
          f"  scaled {S:5.0f} ({S / S0:4.2f} of off)")
PY
