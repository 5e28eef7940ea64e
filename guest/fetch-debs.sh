#!/bin/sh
# Download the guest images' Debian packages into the cache and unpack them
# all into one sysroot, which the image builder and the guest tools' build
# take binaries, libraries, modules and headers from.
#
# usage: fetch-debs.sh LIST CACHE_DIR SYSROOT
# Environment: XEN_VERSION KERNEL_VERSION KERNEL_ABI IPERF3_VERSION BUSYBOX_VERSION
set -eu
list=$1 cache=$2 sysroot=$3

pkgs=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' \
	-e "s/@XEN@/$XEN_VERSION/" -e "s/@KERNEL@/$KERNEL_VERSION/" \
	-e "s/@KABI@/$KERNEL_ABI/" -e "s/@IPERF3@/$IPERF3_VERSION/" \
	-e "s/@BUSYBOX@/$BUSYBOX_VERSION/" "$list")

mkdir -p "$cache"
missing=
for p in $pkgs; do
	name=${p%%=*}
	ver=
	case $p in *=*) ver=${p#*=} ;; esac
	# apt names files with the epoch's colon escaped as %3a
	fver=$(echo "$ver" | sed 's/:/%3a/')
	if [ -n "$ver" ] && ls "$cache/${name}_${fver}_"*.deb >/dev/null 2>&1; then
		continue
	fi
	if [ -z "$ver" ] && ls "$cache/${name}_"*.deb >/dev/null 2>&1; then
		continue
	fi
	missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "  FETCH  $(echo $missing | wc -w) Debian packages into $cache"
	(cd "$cache" && apt-get download -q=2 $missing 2>&1 | grep -v 'unsandboxed' >&2) || true
	for p in $missing; do
		name=${p%%=*}
		ls "$cache/${name}_"*.deb >/dev/null 2>&1 || {
			echo "error: could not download $p; run 'apt-get update' (and check the pin in mk/pins.mk)" >&2
			exit 1
		}
	done
fi

rm -rf "$sysroot.tmp"
mkdir -p "$sysroot.tmp"
for p in $pkgs; do
	name=${p%%=*}
	ver=
	case $p in *=*) ver=${p#*=} ;; esac
	fver=$(echo "$ver" | sed 's/:/%3a/')
	deb=$(ls -t "$cache/${name}_${fver}"*.deb | head -1)
	dpkg-deb -x "$deb" "$sysroot.tmp"
	echo "$name $(dpkg-deb -f "$deb" Version)" >>"$sysroot.tmp/.packages"
done
# depmod from the kernel's own module tree, so images can resolve module
# dependencies the same way modprobe would
depmod -b "$sysroot.tmp" "$KERNEL_ABI-amd64"
rm -rf "$sysroot"
mv "$sysroot.tmp" "$sysroot"
