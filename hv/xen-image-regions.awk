# nm xen-syms | awk -f xen-image-regions.awk
# The regions of Xen's image that xen_in_range() keeps out of dom0's IOMMU
# mappings, as START END offsets from the image's load base.  mawk has no
# strtonum: the image lies in the 4 GiB above 0xffff82d000000000, so the
# low 32 bits are enough.
function hex(s,    i, n) {
	n = 0
	for (i = 1; i <= length(s); i++)
		n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}
function off(a) {
	if (substr(a, 1, 8) != "ffff82d0")
		exit 1
	return sprintf("0x%x", hex(substr(a, 9)) - hex("40000000"))
}
$3 == "_stext" { s1 = off($1) }
$3 == "__2M_rodata_end" { e1 = off($1) }
$3 == "__2M_rwdata_start" { s2 = off($1) }
$3 == "__2M_rwdata_end" { e2 = off($1) }
END {
	if (!s1 || !e1 || !s2 || !e2)
		exit 1
	print "# Xen image regions outside dom0's IOMMU mappings (xen_in_range):"
	print "# START END as offsets from the load base"
	print s1, e1, "text+rodata"
	print s2, e2, "data+bss"
}
