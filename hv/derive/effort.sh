#!/bin/sh
# The effort table (issue 16): per derived driver, how much of it was
# derived and how much was written by hand for it.
#   effort.sh BUILD HEADERS_DIR      (make effort: after make twin)
#
# Columns:
#   driver lines      lines of the driver's sources (*.c, *.h)
#   derived lines     distinct source lines of the driver's own files with
#                     code in the derived closure: the .loc lines of the
#                     closure functions, compiled with the hypervisor
#                     instance's flags plus -g (inlined helpers count)
#   policy            statements of hv/derive/DRIVER.policy
#   hook patch        lines the hook patch adds (guest/twin)
#   Xen entries       lines of hv/payload/DRIVER.entries: all Xen's runtime
#                     knows of the driver (its entry points; the rest is
#                     data dom0's module passes at attach)
#   dom0 support      lines of guest/twin/twin_DRIVER.c: what dom0's twin
#                     module needs of the driver (twin_drv.h's ops)
set -eu
build=$1 khdr=$2

for twin in "$build"/twin/*/manifest.json; do
	dir=${twin%/manifest.json}
	drv=${dir##*/}
	src=$build/src/$drv
	[ -f "$dir/twin.cmd" ] && [ -d "$src" ] || continue
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	# the hypervisor instance's command, with line information
	sed -e 's/ -g0/ -g/' -e "s# -o [^ ]*\.s # -o $tmp/g.s #" "$dir/twin.cmd" > "$tmp/cmd"
	(cd "$khdr" && sh "$tmp/cmd")
	tr -d '[]" ' < "$twin" | sed -n 's/^closure:\(.*\),*$/\1/p' | tr ',' '\n' > "$tmp/closure"
	derived=$(awk -v vm="$(cd "$dir/vm" && pwd)" '
		FNR == NR { want[$1] = 1; next }
		$1 == ".file" && NF >= 3 {
			f = $3; gsub(/"/, "", f)
			if (f !~ /^\//) f = vm "/" f
			if (index(f, vm "/") == 1) own[$2] = f
			next
		}
		/^[A-Za-z_][A-Za-z0-9_.]*:$/ { n = substr($1, 1, length($1) - 1); if (n in want) cur = n; next }
		$1 == ".size" { cur = ""; next }
		cur != "" && $1 == ".loc" && ($2 in own) { seen[own[$2] ":" $3] = 1 }
		END { n = 0; for (k in seen) n++; print n }' "$tmp/closure" "$tmp/g.s")
	total=$(cat "$src"/*.c "$src"/*.h | wc -l)
	policy=$(grep -cvE '^[[:space:]]*(#|$)' "hv/derive/$drv.policy")
	hooks=$(grep -c '^+[^+]' "guest/twin/$drv-twin-hooks.patch")
	entries=$(grep -cvE '^[[:space:]]*(#|$)' "hv/payload/$drv.entries")
	dom0=$(wc -l < "guest/twin/twin_$drv.c")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$drv" "$total" "$derived" "$policy" "$hooks" \
		"$entries" "$dom0"
	rm -rf "$tmp"
	trap - EXIT
done | awk -F '\t' '
	BEGIN { print "| driver | driver lines | derived lines | policy statements | hook patch lines | Xen entries | dom0 support lines |"
		print "| --- | ---: | ---: | ---: | ---: | ---: | ---: |" }
	{ printf "| %s | %d | %d (%.1f%%) | %d | %d | %d | %d |\n", $1, $2, $3, 100 * $3 / $2, $4, $5, $6, $7 }'
