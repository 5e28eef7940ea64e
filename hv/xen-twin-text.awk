# awk -f xen-twin-text.awk RUNTIME-SYMS XEN-SYMS
#   (both `nm -S --defined-only` output)
# The TwinDrivers runtime's functions in Xen's image, as "START END" (hex)
# lines for the instruction-accounting plugin's xen_twin region: each text
# symbol of the runtime's object (arch/x86/twin/built_in.o), found in
# xen-syms by name and size (a static function of the same name and size
# elsewhere in Xen would count too: there is none today).
function hex(s,    i, n) {
	n = 0
	s = tolower(s)
	for (i = 1; i <= length(s); i++)
		n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}
NR == FNR {
	if (NF == 4 && $3 ~ /^[tT]$/)
		want[$4 " " $2] = 1
	next
}
NF == 4 && $3 ~ /^[tT]$/ && (($4 " " $2) in want) {
	# addresses above 2^53 lose their low bits in awk's doubles: keep the
	# high half as text, add the size to the low 32 bits
	hi = substr($1, 1, 8); lo = hex(substr($1, 9))
	printf "%s%08x %s%08x\n", hi, lo, hi, lo + hex($2)
	found++
}
END { if (!found) exit 1 }
