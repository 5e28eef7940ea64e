#!/bin/sh
# Reproduce the testbed's dom0 memory corruption (hv/xen/README.md,
# "Known problem") without any TwinDrivers part: boot the project's Xen
# and dom0 (no twin module loaded, no instance, no plugin), keep dom0
# exec'ing busybox applets, and boot and destroy the domU CYCLES times.
# Fresh processes in dom0 then die with SIGSEGV (most of them at the same
# busybox instruction, reading their TLS) while a domU boots.  Counts the
# kernel's "segfault at" lines in dom0's console.
#
# Knobs (environment):
#   QEMU=PATH      QEMU binary (default: the project's; /usr/bin/qemu-system-x86_64
#                  is Debian's, without our patches)
#   ACCEL=A        -accel value (default tcg; tcg,thread=single: one host thread)
#   XENARGS=A      more Xen arguments (dom0_max_vcpus=1 makes it go away)
#   LOAD=0         no busy loop on the host (default: one, as a busy host has)
#   TRAFFIC=0      no iperf3 RX into dom0 during the cycles (default: on)
#
# usage: scripts/repro-dom0-corruption.sh [CYCLES] [OUTDIR]   (as root, after make)
# tdmemcheck runs beside them, checking a pattern in fresh memory.
# Prints one line and writes OUTDIR/repro.json (cycles, domu_booted,
# segfaults, corrupted_runs and the knobs) and OUTDIR/memcheck.out;
# exit 0: nothing seen, 1: segfaults or corrupted memory, 2: setup failed.
set -u
cycles=${1:-4}
out=${2:-results/runs/repro-dom0-corruption}
cd "$(dirname "$0")/.."
B=$PWD/build
for f in "$B/xen/xen" "$B/images/vmlinuz" "$B/images/dom0.img"; do
	[ -r "$f" ] || { echo "repro: $f is missing; run 'make' first" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "repro: needs root (network namespace, tap); run it as root" >&2; exit 2; }
qemu=${QEMU:-$B/qemu/qemu-system-x86_64}
ns=tdh-repro-$$
mkdir -p "$out"
con=$out/console.log
sock=$(mktemp -u /tmp/tdh-repro-XXXXXX.sock)
qpid= lpid= ipid=

cleanup() {
	[ -z "$ipid" ] || kill "$ipid" 2>/dev/null
	[ -z "$lpid" ] || kill "$lpid" 2>/dev/null
	[ -z "$qpid" ] || { kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; }
	ip netns del "$ns" 2>/dev/null
	rm -f "$sock"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# one command in dom0 through the image's agent (the harness's protocol)
agent() {
	/usr/bin/python3 - "$sock" "$1" <<'PY'
import random, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(180)
i = random.randint(1000, 99999)
s.sendall(f"{i} {sys.argv[2]}\n".encode())
end, buf = f"\n@@TDH END {i} ".encode(), b""
while end not in buf or not buf.split(end)[1].endswith(b"\n"):   # and its status
    d = s.recv(65536)
    if not d:
        sys.exit(2)
    buf += d
body, _, tail = buf.partition(end)
sys.stdout.write(body.decode(errors="replace").replace("@@TDH READY dom0\n", ""))
sys.exit(int(tail.split()[0]))
PY
}

ip netns add "$ns" && ip -n "$ns" link set lo up &&
ip -n "$ns" tuntap add tdh0 mode tap && ip -n "$ns" addr add 10.99.0.1/24 dev tdh0 &&
ip -n "$ns" link set tdh0 up || { echo "repro: cannot set up namespace $ns" >&2; exit 2; }
ip netns exec "$ns" "$qemu" -machine q35 -accel "${ACCEL:-tcg}" -cpu max,-smap,-smep \
	-smp 2 -m 2048 -nodefaults -display none -no-reboot \
	-chardev file,id=con,path="$con" -serial chardev:con \
	-chardev socket,id=ctl,path="$sock",server=on,wait=off -serial chardev:ctl \
	-netdev tap,id=n0,ifname=tdh0,script=no,downscript=no \
	-device e1000,netdev=n0,mac=52:54:00:12:34:56 -kernel "$B/xen/xen" \
	-append "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 noreboot loglvl=all guest_loglvl=all ${XENARGS:-}" \
	-initrd "$B/images/vmlinuz console=hvc0 earlyprintk=xen tdh.ip=10.99.0.2/24,$B/images/dom0.img" \
	>"$out/qemu.log" 2>&1 &
qpid=$!
echo "repro: booting Xen + dom0 (console $con)"
i=0
until grep -q "tdh: dom0 ready" "$con" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$qpid" 2>/dev/null; then
		echo "repro: dom0 did not become ready; see $con" >&2
		exit 2
	fi
	sleep 1
done
[ "${LOAD:-1}" = 0 ] || { sh -c 'while :; do :; done' & lpid=$!; }
[ "${TRAFFIC:-1}" = 0 ] || { ip netns exec "$ns" iperf3 -c 10.99.0.2 -t 3600 >/dev/null 2>&1 & ipid=$!; }
agent "(while :; do cat /proc/version; done) >/dev/null 2>&1 &" >/dev/null ||
	{ echo "repro: dom0's agent does not answer" >&2; exit 2; }
# and a pattern in fresh memory, checked (guest/tools/tdmemcheck)
agent "(tdmemcheck 100000 64 >/tmp/memcheck.out 2>&1 &)" >/dev/null
booted=0
for c in $(seq "$cycles"); do
	before=$(grep -c "Guest Rx ready" "$con")
	echo "repro: cycle $c of $cycles: domU boots"
	agent "xl create /etc/xen/domU.cfg >/dev/null 2>&1" >/dev/null || echo "repro:   xl create failed"
	sleep 15
	agent "xl destroy domU >/dev/null 2>&1" >/dev/null || echo "repro:   xl destroy failed"
	[ "$(grep -c "Guest Rx ready" "$con")" -gt "$before" ] && booted=$((booted + 1))
done
segv=$(grep -c "segfault at" "$con")
agent "cat /tmp/memcheck.out; pidof tdmemcheck >/dev/null && echo 'tdmemcheck: still checking'" \
	>"$out/memcheck.out" 2>&1
corrupt=$(grep -c "^corrupted:" "$out/memcheck.out")
cat >"$out/repro.json" <<EOF
{"cycles": $cycles, "domu_booted": $booted, "segfaults": $segv, "corrupted_runs": $corrupt, "qemu": "$qemu",
 "accel": "${ACCEL:-tcg}", "xen_args": "${XENARGS:-}", "load": ${LOAD:-1}, "traffic": ${TRAFFIC:-1}}
EOF
echo "repro: $cycles cycles ($booted domU boots reached netback), $segv segfaults in dom0," \
	"$corrupt corrupted runs of words in tdmemcheck's memory ($out/repro.json, $out/memcheck.out)"
[ "$segv" = 0 ] && [ "$corrupt" = 0 ]
