// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regions.h"
#include "util.h"

bool regions_add(struct regions *rs, unsigned long long start, unsigned long long end)
{
	int i, j;

	if (start >= end)
		return true;
	/* absorb every region that overlaps or touches [start, end) */
	for (i = 0; i < rs->n;) {
		struct region *r = &rs->r[i];

		if (r->end < start || r->start > end) {
			i++;
			continue;
		}
		start = r->start < start ? r->start : start;
		end = r->end > end ? r->end : end;
		memmove(r, r + 1, (rs->n - i - 1) * sizeof(*r));
		rs->n--;
	}
	if (rs->n == MAX_REGIONS)
		return false;
	for (j = 0; j < rs->n && rs->r[j].start < start; j++)
		;
	memmove(&rs->r[j + 1], &rs->r[j], (rs->n - j) * sizeof(rs->r[0]));
	rs->r[j].start = start;
	rs->r[j].end = end;
	rs->n++;
	return true;
}

void regions_remove(struct regions *rs, unsigned long long start, unsigned long long end)
{
	struct regions out = { .n = 0 };
	int i;

	for (i = 0; i < rs->n; i++) {
		struct region r = rs->r[i];

		if (r.end <= start || r.start >= end) {
			regions_add(&out, r.start, r.end);
			continue;
		}
		/* a hole splits a region in two at most: never more than before + 1 */
		regions_add(&out, r.start, start > r.start ? start : r.start);
		regions_add(&out, end < r.end ? end : r.end, r.end);
	}
	*rs = out;
}

/* QEMU 7.2's pc_q35.c: RAM below 4 GiB up to 2.75 GiB, or 2 GiB when there is at least that. */
void regions_q35_ram(struct regions *rs, int mem_mb)
{
	unsigned long long ram = (unsigned long long)mem_mb << 20;
	unsigned long long low = ram >= 0xb0000000ULL ? 0x80000000ULL : ram;

	rs->n = 0;
	regions_add(rs, 0, low);
	regions_add(rs, 0x100000000ULL, 0x100000000ULL + ram - low);
}

bool regions_xen(struct regions *rs, const char *console_log, const char *image_regions,
		 const char **err)
{
	char *con = read_file(console_log, NULL), *img = read_file(image_regions, NULL);
	char *line, *save, *p;
	unsigned long long base = 0, s, e;
	bool have_base = false, in_map = false, ok = false;
	int holes = 0;

	rs->n = 0;
	*err = NULL;
	if (!con || !img) {
		*err = !con ? "the console log cannot be read" :
			      "build/xen/image-regions is missing (run 'make xen')";
		goto out;
	}
	for (line = strtok_r(con, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* the last base wins: Xen relocates itself and says so */
		if ((p = strstr(line, "Xen image load base address: ")) ||
		    (p = strstr(line, "New Xen image base address: "))) {
			base = strtoull(strchr(p, ':') + 2, NULL, 16);
			have_base = true;
		}
		if (strstr(line, "Xen-e820 RAM map:")) {
			in_map = true;
			continue;
		}
		if (in_map && sscanf(line, "(XEN)  [%llx, %llx]", &s, &e) == 2) {
			if (strstr(line, "(usable)"))
				regions_add(rs, s, e + 1);
			continue;
		}
		in_map = false;
	}
	if (!rs->n || !have_base) {
		*err = "Xen's boot messages lack its e820 map or its image base (loglvl=all?)";
		goto out;
	}
	regions_remove(rs, 0, 1ULL << 20);	/* the trampoline and the BIOS */
	for (line = strtok_r(img, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%llx %llx", &s, &e) != 2) {
			*err = "build/xen/image-regions is malformed (run 'make xen')";
			goto out;
		}
		regions_remove(rs, base + s, base + e);
		holes++;
	}
	if (!holes) {
		*err = "build/xen/image-regions lists no region (run 'make xen')";
		goto out;
	}
	ok = true;
out:
	free(con);
	free(img);
	return ok;
}

int regions_write(const struct regions *rs, const char *path, const char *comment)
{
	size_t cap = 256 + strlen(comment) + rs->n * 48, used;
	char *text = xcalloc(1, cap);
	int i, rc;

	used = snprintf(text, cap, "# %s\n", comment);
	for (i = 0; i < rs->n; i++)
		used += snprintf(text + used, cap - used, "0x%llx 0x%llx\n", rs->r[i].start, rs->r[i].end);
	rc = write_file(path, text, used);
	free(text);
	return rc;
}
