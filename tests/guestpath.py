"""A held testbed for the guests'-path tests: one `tdh boot [--domu]`, with
dom0 driven through `tdh agent` and the peer's side run in the namespace
tdh created.  Nothing here knows the agent's protocol or the machine's
command line: tdh does."""
import json
import re
import signal
import subprocess
import time

from conftest import TDH, BUILD

HOLD_RE = re.compile(r"holding the machine: console (\S+), agent socket (\S+), peer namespace (\S+);")
DOMU_IP = "10.99.0.3"
DOM0_IP = "10.99.0.2"


class HeldTestbed:
    def __init__(self, results, *opts, boot_timeout=420, domu=True):
        self.results = results
        self.proc = subprocess.Popen([str(TDH), "boot", *(["--domu"] if domu else []),
                                      "--results", str(results), *map(str, opts)],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.log = []
        deadline = time.monotonic() + boot_timeout
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError("tdh boot ended before holding the machine:\n" + "".join(self.log[-40:]))
            self.log.append(line)
            m = HOLD_RE.search(line)
            if m:
                self.console, self.socket, self.netns = m.groups()
                break
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError("no machine within %d s:\n%s" % (boot_timeout, "".join(self.log[-40:])))

    def dom0(self, cmd, timeout=300, check=True):
        """Run a shell command in dom0; its output (stdout and stderr)."""
        p = subprocess.run([str(TDH), "agent", "--socket", self.socket, "--timeout", str(timeout), "--", cmd],
                           capture_output=True, text=True, timeout=timeout + 30)
        if check:
            assert p.returncode == 0, f"dom0$ {cmd}\n(status {p.returncode})\n{p.stdout}{p.stderr}"
        return p.stdout if check else p

    def peer(self, *argv, timeout=300):
        """Run a command on the peer's side (the host, in tdh's namespace)."""
        return subprocess.run(["ip", "netns", "exec", self.netns, *map(str, argv)],
                              capture_output=True, text=True, timeout=timeout)

    def status(self):
        return json.loads(self.dom0("twinctl status --json"))

    def background_peer(self, *argv):
        """A command on the peer's side left running (wait() on it)."""
        return subprocess.Popen(["ip", "netns", "exec", self.netns, *map(str, argv)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def domu_up(self, timeout=180):
        """Wait in dom0 until a domU created since the log was emptied is up."""
        self.dom0(f"i=0; until grep -aq 'tdh: domU ready' /var/log/xen/console/guest-domU.log; do "
                  f"i=$((i+1)); [ $i -gt {timeout} ] && exit 1; sleep 1; done", timeout=timeout + 30)

    def vif(self):
        """netback's vif of the running domU (vif<domid>.0)."""
        names = self.dom0("ls /sys/class/net").split()
        vifs = [n for n in names if re.fullmatch(r"vif\d+\.0", n)]
        assert len(vifs) == 1, names
        return vifs[0]

    def netback_packets(self, vif):
        out = self.dom0(f"cat /sys/class/net/{vif}/statistics/rx_packets /sys/class/net/{vif}/statistics/tx_packets")
        rx, tx = map(int, out.split())
        return rx, tx

    def iperf(self, seconds=5, reverse=False, host=DOMU_IP):
        """The peer's iperf3 against the domU (or host: DOM0_IP for dom0's
        own traffic; reverse: the guest transmits); the bytes received.
        The server takes a moment between clients."""
        for attempt in range(4):
            p = self.peer("iperf3", "-c", host, "-t", seconds, "-J", *(["-R"] if reverse else []),
                          timeout=seconds + 60)
            out = json.loads(p.stdout) if p.stdout.strip().startswith("{") else {}
            if p.returncode == 0 and "sum_received" in out.get("end", {}):
                return out["end"]["sum_received"]["bytes"]
            time.sleep(2)
        raise AssertionError(f"iperf3 failed: {out.get('error', p.stdout[-1000:])} {p.stderr}")

    def pattern(self, seed, nbytes):
        return self.peer(BUILD / "bin" / "tdpattern", "check", DOMU_IP, 5301, seed, nbytes, timeout=600)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rest = self.proc.stdout.read() if self.proc.stdout else ""
        self.log.append(rest)
        return self.proc.returncode
