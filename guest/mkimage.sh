#!/bin/sh
# Assemble a guest initramfs (newc cpio, gzip) from the sysroot of unpacked
# Debian packages.
#
# usage: mkimage.sh PROFILE_DIR SYSROOT KABI OUT [SRC=DST ...]
#
# PROFILE_DIR holds:
#   files    sysroot paths to copy (one a line; '#' comments); ELF files
#            among them bring the shared libraries they need, recursively
#   modules  kernel module names; their dependencies come along, with a
#            modules.dep for busybox modprobe
#   rootfs/  an overlay copied last (init, scripts, configuration)
# guest/images/common/rootfs is laid under every profile.  SRC=DST pairs add
# build products (the CPU accounting tool, the domU kernel and image, ...).
set -eu
profile=$1 sysroot=$2 kabi=$3 out=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d "${TMPDIR:-/tmp}/tdh-image.XXXXXX")
trap 'rm -rf "$root"' EXIT INT TERM

libdirs="lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu lib64 usr/lib"

need_libs() {
	readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

copy_one() {		# copy sysroot path $1 (keeping symlinks' targets too)
	src=$sysroot/$1
	[ -e "$src" ] || [ -L "$src" ] || { echo "error: $1 is not in the sysroot: add its package to guest/packages.list" >&2; exit 1; }
	[ -e "$root/$1" ] && return 0
	mkdir -p "$root/$(dirname "$1")"
	cp -a "$src" "$root/$1"
	if [ -L "$src" ]; then
		t=$(readlink "$src")
		case $t in /*) copy_one "${t#/}" ;; *) copy_one "$(dirname "$1")/$t" ;; esac
	fi
}

copy_elf() {		# copy $1 and, recursively, the libraries it needs
	copy_one "$1"
	for lib in $(need_libs "$sysroot/$1"); do
		found=
		for d in $libdirs; do
			if [ -e "$sysroot/$d/$lib" ]; then
				found=$d/$lib
				break
			fi
		done
		[ -n "$found" ] || { echo "error: $lib (needed by $1) is not in the sysroot: add its package to guest/packages.list" >&2; exit 1; }
		[ -e "$root/$found" ] || copy_elf "$found"
	done
}

is_elf() {
	[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]
}

# files
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$profile/files" | while read -r pat; do
	for p in $(cd "$sysroot" && ls -d $pat 2>/dev/null || echo "$pat"); do
		if [ -f "$sysroot/$p" ] && is_elf "$sysroot/$p"; then
			copy_elf "$p"
		else
			copy_one "$p"
		fi
	done
done

# the dynamic loader at its canonical path
mkdir -p "$root/lib64"
[ -e "$root/lib64/ld-linux-x86-64.so.2" ] || copy_one lib64/ld-linux-x86-64.so.2 2>/dev/null || true

# busybox applets as links
if [ -x "$root/bin/busybox" ]; then
	for a in $("$root/bin/busybox" --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	mkdir -p "$root/sbin" "$root/usr/bin" "$root/usr/sbin"
fi

# modules and their dependencies, from the sysroot's depmod output
moddir=lib/modules/$kabi-amd64
if [ -f "$profile/modules" ]; then
	dep=$sysroot/$moddir/modules.dep
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$profile/modules" | while read -r m; do
		line=$(grep -E "(^|/)$m\.ko(\.[a-z]+)?:" "$dep" || true)
		[ -n "$line" ] || { echo "error: kernel module $m not found in $moddir" >&2; exit 1; }
		for f in $(echo "$line" | tr -d ':'); do
			copy_one "$moddir/$f"
		done
	done
	cp "$sysroot/$moddir"/modules.order "$sysroot/$moddir"/modules.builtin* "$root/$moddir/" 2>/dev/null || true
fi

# overlays: common, then the profile's own
cp -a "$here/images/common/rootfs/." "$root/"
[ -d "$profile/rootfs" ] && cp -a "$profile/rootfs/." "$root/"

# build products
for pair in "$@"; do
	src=${pair%%=*} dst=${pair#*=}
	mkdir -p "$root/$(dirname "$dst")"
	cp -L "$src" "$root/$dst"
done

# module dependencies, once build products (modules of ours) are in place
[ -d "$root/$moddir" ] && depmod -b "$root" "$kabi-amd64"

mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/run" "$root/var/log" "$root/root"
cp "$sysroot/.packages" "$root/etc/tdh-packages" 2>/dev/null || true

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "  IMAGE  $out ($(du -h "$out" | cut -f1))"
