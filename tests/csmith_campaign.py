"""The csmith differential campaign (issue 17): one definition of how a
seed's random program is judged, used by the seeded share in `make test`
(tests/test_twinc_csmith.py) and by the long campaign
(hv/derive/csmith-campaign.sh, which runs this file).

A program is compiled with the corpus's kernel-like flags, run as GCC made
it and as `twinc --test` derived it (linked with the user-space SVM
runtime).  Its outcome is one of
  same     both printed the same checksum
  refused  twinc refused it (its rule, normalized, says why)
  slow     the original did not finish (2 s of CPU) or failed: no verdict
  wrong    the derived program printed something else, failed or did not
           finish: a miscompilation until shown otherwise
  error    a tool failed (csmith, gcc, the link, twinc killed by a signal)
The schema of programs.jsonl and summary.json is in hv/derive/README.md."""
import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from twinc_lib import CORPUS_CFLAGS, LINK_CFLAGS, ROOT, SVM, TWINC, run

HERE = ROOT / "tests" / "twinc_csmith"
CSMITH_OPTS = ["--no-packed-struct", "--no-bitfields", "--no-volatiles", "--no-float",
               "--max-funcs", "4", "--max-block-depth", "3"]
CFLAGS = [*CORPUS_CFLAGS, "-w", "-I/usr/include/csmith", "-Dmain=csmith_main"]
# seconds of CPU the original may take, else "slow": of the 3,097 originals
# of seeds 1..3300 that finished within 10 s, one took 1.1 s, the others at
# most 0.3 s; the ~10% that run on took 60% of the campaign's time
ORIG_CPU = 2
TWIN_CPU = 60       # at least this much for the derived program, or 30x the original's time
OUTCOMES = ("same", "refused", "slow", "wrong", "error")


class Failed(Exception):
    """A tool failed: the program's outcome is "error"."""


def program(seed, tmp: Path):
    """Judge one seed in the empty directory tmp; returns its record (a dict,
    one line of programs.jsonl).  tmp keeps the program's files, with
    commands.sh (the commands that made them, to be run in tmp) and
    record.json."""
    rec = {"seed": int(seed), "outcome": None, "seconds": {}}
    commands = []

    def step(name, cmd, timeout=300, cpu=None):
        cmd = [str(c) for c in cmd]
        commands.append(shlex.join(cmd))
        if cpu:
            cmd = ["prlimit", f"--cpu={cpu}", *cmd]
        t = time.monotonic()
        try:
            return run(cmd, timeout=timeout, cwd=tmp)
        finally:
            rec["seconds"][name] = round(rec["seconds"].get(name, 0) + time.monotonic() - t, 3)

    def ok(p, what):
        if p.returncode != 0:
            raise Failed(f"{what} failed (rc {p.returncode}): {p.stderr.strip()[-300:]}")

    start = time.monotonic()
    try:
        ok(step("csmith", ["csmith", "--seed", seed, *CSMITH_OPTS, "-o", "p.c"]), "csmith")
        ok(step("gcc", ["gcc", *CFLAGS, "-S", "-o", "p.s", "p.c"]), "gcc -S")
        ok(step("gcc", ["gcc", *LINK_CFLAGS, "-o", "orig", HERE / "harness.c", "p.s"]),
           "linking the original")
        want = step("orig", ["./orig"], cpu=ORIG_CPU)
        (tmp / "want.out").write_text(want.stdout)
        if want.returncode != 0 or "checksum" not in want.stdout:
            rec["outcome"] = "slow"
            rec["detail"] = (f"the original was killed by signal {-want.returncode} "
                             f"(its limit: {ORIG_CPU} s of CPU)" if want.returncode < 0 else
                             f"the original exited {want.returncode}")
            return rec
        p = step("twinc", [TWINC, "--quiet", "--test", "--policy", HERE / "csmith.policy",
                           "-o", "p.twin.s", "--obj", "p.twin.o", "p.s"])
        if p.returncode < 0 or p.returncode > 1:
            raise Failed(f"twinc exited {p.returncode}: {p.stderr.strip()[-300:]}")
        if p.returncode != 0:
            rec["outcome"] = "refused"
            rec["refusal"] = refusal(p.stderr)
            rec["rule"] = rule(rec["refusal"])
            return rec
        ok(step("link", ["gcc", *LINK_CFLAGS, "-DTWIN", f"-I{SVM}", "-o", "twin",
                         HERE / "harness.c", "p.twin.o", SVM / "svm.c", SVM / "svm_user.c",
                         SVM / "svm_entry.S"]), "linking the derived program")
        cpu = max(TWIN_CPU, int(30 * rec["seconds"]["orig"]) + 1)
        got = step("twin", ["./twin"], timeout=10 * cpu, cpu=cpu)
        (tmp / "got.out").write_text(got.stdout)
        (tmp / "got.err").write_text(got.stderr)
        if got.returncode == 0 and got.stdout == want.stdout:
            rec["outcome"] = "same"
        else:
            rec["outcome"] = "wrong"
            rec["detail"] = (f"the derived program exited {got.returncode}; "
                             f"want {want.stdout[-80:]!r}, got {got.stdout[-80:]!r}, "
                             f"stderr {got.stderr[-200:]!r}")
        return rec
    except (Failed, subprocess.TimeoutExpired, UnicodeDecodeError) as e:
        rec["outcome"] = "error"
        rec["detail"] = str(e)
        return rec
    finally:
        rec["seconds"]["total"] = round(time.monotonic() - start, 3)
        (tmp / "commands.sh").write_text("".join(c + "\n" for c in commands))
        (tmp / "record.json").write_text(json.dumps(rec, indent=1) + "\n")


def refusal(stderr):
    """The line that says why twinc refused: its first error or refusal (the
    verifier's last line only counts the problems)."""
    lines = [l for l in stderr.splitlines() if l.strip()]
    for l in lines:
        if ": error: " in l or ": refused: " in l:
            return l
    return lines[-1] if lines else "(no message)"


def rule(line):
    """A refusal line reduced to its rule, so that refusals can be counted by
    kind: no file name or line, no section offset, no symbol, no number."""
    line = re.sub(r"^\S+?:(\d+:)? (error: )?", "", line)           # file:line: error:
    line = re.sub(r" at [\w.$]+\+0x[0-9a-f]+", "", line)             # objverify's place
    line = re.sub(r"\.L\w+|\b[A-Za-z_][\w.]*?_\d+\b|\bcsmith_main\b", "SYM", line)
    line = re.sub(r"\b0x[0-9a-fA-F]+\b|\b\d+\b", "N", line)
    return line.strip()


def records(out: Path):
    """The records in out/programs.jsonl by seed (a seed recorded twice:
    the later line)."""
    f = out / "programs.jsonl"
    recs = {}
    if f.exists():
        for no, l in enumerate(f.read_text().splitlines(), 1):
            if not l.strip():
                continue
            try:
                r = json.loads(l)
                recs[int(r["seed"])] = r
            except (ValueError, KeyError, TypeError) as e:
                raise SystemExit(f"{f}:{no}: not a record: {e}")
    return recs


def summarize(out: Path):
    """Write out/summary.json from out/programs.jsonl; returns it."""
    recs = records(out)
    counts = {k: 0 for k in OUTCOMES}
    by_rule, commits = {}, {}
    for r in recs.values():
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
        if r["outcome"] == "refused":
            by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
        commits[r.get("twinc", "?")] = commits.get(r.get("twinc", "?"), 0) + 1
    secs = sorted(r["seconds"]["total"] for r in recs.values())
    s = {
        "programs": len(recs),
        "seeds": [min(recs), max(recs)] if recs else None,
        "counts": counts,
        "refused": dict(sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
        "wrong_seeds": sorted(k for k, r in recs.items() if r["outcome"] == "wrong"),
        "error_seeds": sorted(k for k, r in recs.items() if r["outcome"] == "error"),
        "seconds_per_program": {"mean": round(sum(secs) / len(secs), 3) if secs else None,
                                "median": secs[len(secs) // 2] if secs else None},
        "twinc": commits,
        "csmith_options": CSMITH_OPTS,
        "cflags": CFLAGS,
    }
    (out / "summary.json").write_text(json.dumps(s, indent=1) + "\n")
    return s


def table(s, out):
    c = s["counts"]
    seeds = f" (seeds {s['seeds'][0]}..{s['seeds'][1]})" if s["seeds"] else ""
    lines = [f"csmith campaign {out}: {s['programs']} programs{seeds}"]
    for k in OUTCOMES:
        lines.append(f"  {k:<8} {c[k]:6}")
        if k == "refused":
            lines += [f"  {n:15}  {r}" for r, n in s["refused"].items()]
        if k in ("wrong", "error") and s[f"{k}_seeds"]:
            lines.append(f"  {'':15}  seeds: {' '.join(map(str, s[k + '_seeds']))}"
                         f" (files in {out / k})")
    return "\n".join(lines)


def commit():
    p = run(["git", "-C", ROOT, "describe", "--always", "--dirty", "--abbrev=12"])
    return p.stdout.strip() or "?"


def campaign(first, count, out: Path, jobs=1, every=25):
    """Judge seeds first .. first+count-1 not yet in out/programs.jsonl,
    appending a line for each; returns the number judged.  Each program's
    files live in a temporary directory, removed as it ends, whatever stops
    the campaign; a wrong or failed program's are kept in out/wrong/SEED or
    out/error/SEED."""
    out.mkdir(parents=True, exist_ok=True)
    done = records(out)
    todo = [s for s in range(first, first + count) if s not in done]
    print(f"csmith campaign {out}: seeds {first}..{first + count - 1}, "
          f"{count - len(todo)} already recorded, {len(todo)} to run, {jobs} job(s)", flush=True)
    if not todo:
        return 0
    tag = commit()
    tmp = Path(tempfile.mkdtemp(prefix="csmith-"))
    counts = {k: 0 for k in OUTCOMES}
    start = time.monotonic()
    stopping = threading.Event()

    def one(seed):
        d = tmp / str(seed)
        d.mkdir()
        try:
            r = program(seed, d)
            # a program whose tools died of the campaign's Ctrl-C proves nothing
            if r["outcome"] in ("wrong", "error") and not stopping.is_set():
                dest = out / r["outcome"] / str(seed)
                shutil.rmtree(dest, ignore_errors=True)
                shutil.copytree(d, dest)
            return r
        finally:
            shutil.rmtree(d, ignore_errors=True)

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        with open(out / "programs.jsonl", "a") as f:
            futures = [pool.submit(one, s) for s in todo]
            for n, fut in enumerate(concurrent.futures.as_completed(futures), 1):
                r = fut.result()
                r["twinc"] = tag
                f.write(json.dumps(r) + "\n")
                f.flush()
                counts[r["outcome"]] += 1
                if r["outcome"] == "wrong":
                    print(f"WRONG: seed {r['seed']}: {r['detail']}", flush=True)
                if n % every == 0 or n == len(todo):
                    rate = n / (time.monotonic() - start) * 60
                    print(f"  {n}/{len(todo)}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
                          + f"; {rate:.1f} programs/min", flush=True)
    finally:
        # on Ctrl-C or SIGTERM: nothing new starts, the running programs
        # end (their children got the signal too, or end by their limits)
        # and are not recorded, the temporary files go
        stopping.set()
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return len(todo)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="csmith-campaign.sh",
        description="Run csmith's programs as GCC made them and as twinc --test derived "
                    "them; record each seed's outcome in DIR/programs.jsonl (resumable) "
                    "and the counts in DIR/summary.json.  Exits 1 if any program was wrong.")
    ap.add_argument("--jobs", type=int, default=1, help="programs at a time (default 1)")
    ap.add_argument("--out", type=Path, default=Path("csmith-campaign"),
                    help="campaign directory (default ./csmith-campaign)")
    ap.add_argument("--every", type=int, default=25, help="a progress line every N programs")
    ap.add_argument("--nice", type=int, default=19, help="niceness to run at (default 19)")
    ap.add_argument("--summary", action="store_true",
                    help="only summarize the programs already recorded in DIR")
    ap.add_argument("first", type=int, nargs="?", help="first seed")
    ap.add_argument("count", type=int, nargs="?", help="number of seeds")
    a = ap.parse_args(argv)
    if not a.summary and (a.first is None or a.count is None or a.count < 0 or a.jobs < 1):
        ap.error("FIRST_SEED and COUNT are needed (or --summary)")
    interrupted = False
    if not a.summary:
        if not TWINC.exists():
            ap.error(f"{TWINC} missing: make build/bin/twinc")
        for tool in ("csmith", "gcc", "prlimit"):
            if not shutil.which(tool):
                ap.error(f"{tool} missing: scripts/host-deps.sh installs it")
        os.nice(max(0, a.nice - os.nice(0)))
        # SIGTERM stops the campaign as Ctrl-C does
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            campaign(a.first, a.count, a.out, a.jobs, a.every)
        except KeyboardInterrupt:
            print("interrupted; the programs recorded so far are summarized", file=sys.stderr)
            interrupted = True
    if not (a.out / "programs.jsonl").exists():
        ap.error(f"{a.out / 'programs.jsonl'}: no campaign there")
    s = summarize(a.out)
    print(table(s, a.out))
    return 1 if s["counts"]["wrong"] else 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
