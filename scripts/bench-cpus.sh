#!/bin/sh
# Which --cpus gives the steadiest figures?  Alternates full 'tdh sim' runs
# with --cpus 1 and --cpus 2 for ROUNDS rounds, then prints, per
# configuration and workload, the median and coefficient of variation of
# throughput and of CPU-scaled throughput over the rounds.
#
# usage: scripts/bench-cpus.sh [ROUNDS] [OUTDIR]     (as root, after make)
set -eu
rounds=${1:-3}
out=${2:-results/runs/bench-cpus}
cd "$(dirname "$0")/.."
for r in $(seq "$rounds"); do
	for c in 1 2; do
		echo "round $r: --cpus $c"
		build/bin/tdh sim --cpus "$c" --duration 10 --results "$out/cpus$c" >"$out.cpus$c.r$r.log" 2>&1 ||
			echo "  failed: see $out.cpus$c.r$r.log"
	done
done
/usr/bin/python3 - "$out" <<'PY'
import glob, json, statistics as st, sys
for c in (1, 2):
    recs = [r for f in sorted(glob.glob(f"{sys.argv[1]}/cpus{c}/2*/results.json"))
            for r in json.load(open(f))["records"]]
    print(f"--cpus {c}: {len(recs)} records")
    cv = lambda v: 100 * st.pstdev(v) / st.mean(v) if len(v) > 1 else 0.0
    for k in sorted({(r["config"], r["workload"]) for r in recs}):
        sel = [r for r in recs if (r["config"], r["workload"]) == k]
        T = [r["mbps"] for r in sel]; U = [r["cpu_util"] for r in sel]
        S = [r["cpu_scaled_mbps"] for r in sel]
        print(f"  {k[0]:8} {k[1]} n={len(sel)} T {st.median(T):5.0f} (cv {cv(T):4.1f}%)"
              f"  U {st.median(U):4.2f}  S {st.median(S):5.0f} (cv {cv(S):4.1f}%)")
PY
