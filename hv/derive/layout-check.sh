#!/bin/sh
# Prove the VM instance and the hypervisor instance agree on every data
# layout: compile the fast path's file (e1000_main.c, e1000e's netdev.c)
# with both flag sets plus -g, list every struct/union member's offset
# from DWARF, and require identical lists.
#   layout-check.sh HEADERS_DIR VM_CMD TWIN_CMD OUTDIR
set -eu
hdr=$1 vmcmd=$2 twincmd=$3 out=$4

dump() {	# object -> "struct.member offset" lines, sorted
	readelf --debug-dump=info "$1" | awk '
	/DW_TAG_(structure|union)_type/ { want = "agg"; next }
	/DW_TAG_member/ { want = "mem"; mname = "?"; next }
	/Abbrev Number/ { want = "" }
	/DW_AT_name/ {
		n = $NF
		if (want == "agg") { agg = n; want = "" }
		else if (want == "mem") mname = n
	}
	/DW_AT_data_member_location/ && want == "mem" {
		print agg "." mname " " $NF; want = ""
	}' | sort
}

for v in vm twin; do
	eval cmd=\$${v}cmd
	# -S ... -o X.s  ->  -c -g ... -o layout-V.o
	cmd=$(echo "$cmd" | sed -e 's/ -S / -c /; s/ -g0//; s/ -fverbose-asm//' \
		-e "s# -o [^ ]*\.s # -g -o $out/layout-$v.o #")
	(cd "$hdr" && sh -c "$cmd")
	dump "$out/layout-$v.o" > "$out/layout-$v.txt"
done
n=$(wc -l < "$out/layout-vm.txt")
if [ "$n" -lt 1000 ]; then
	echo "layout-check: only $n member offsets found in DWARF; check is not meaningful" >&2
	exit 1
fi
if ! cmp -s "$out/layout-vm.txt" "$out/layout-twin.txt"; then
	echo "layout-check: member offsets differ between VM and hypervisor instance:" >&2
	diff "$out/layout-vm.txt" "$out/layout-twin.txt" | head -20 >&2
	exit 1
fi
echo "$n" > "$out/layout-members"
echo "  LAYOUT  $n member offsets identical (VM instance vs hypervisor instance)"
