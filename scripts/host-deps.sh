#!/bin/sh
# Install what the testbed needs on a Debian 12 host, once.
#
# The Makefile calls this before anything else; it is idempotent and quick
# when everything is already there (a stamp records the package set).
# It adds the main archive's deb-src entry so 'apt-get source' works; the
# security archive serves no sources, which is why mk/pins.mk pins main.
set -eu

stamp=${1:?usage: host-deps.sh STAMP}

pkgs="build-essential dpkg-dev flex bison python3 python3-pytest cpio
      xz-utils zstd iproute2 iputils-ping procps iperf3 qemu-system-x86 ca-certificates
      libjson-c-dev kmod libzydis-dev csmith libcsmith-dev
      linux-headers-6.1.0-50-amd64=6.1.176-1 valgrind binutils
      ninja-build meson libglib2.0-dev libpixman-1-dev libslirp-dev libfdt-dev
      gnuplot-nox libvirt-daemon-system libvirt-clients libvirt-dev systemd"
# (gnuplot draws tdh regress's plots; libvirt is tdh's --launcher libvirt:
# the daemon, virsh for looking, and the C API tdh links against;
# systemd-analyze checks the nightly units.)
# (the headers pin must match KERNEL_ABI/KERNEL_VERSION in mk/pins.mk: the
# e1000 VM and hypervisor instances are built against them by hv/derive)

want=$(echo $pkgs | tr ' ' '\n' | sort | tr '\n' ' ')
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "host-deps: must run as root to install packages ($want); re-run with sudo" >&2
	exit 1
fi

src=/etc/apt/sources.list.d/twindrivers-src.sources
if ! apt-get indextargets --format '$(TARGET_OF)' 2>/dev/null | grep -q deb-src; then
	echo "host-deps: adding the main archive's deb-src entry ($src)"
	cat >"$src" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

echo "host-deps: apt-get update"
apt-get update -q >/dev/null
echo "host-deps: installing $want"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $want >/dev/null
mkdir -p "$(dirname "$stamp")"
echo "$want" >"$stamp"
