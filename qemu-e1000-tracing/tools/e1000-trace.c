// SPDX-License-Identifier: GPL-2.0
/*
 * e1000-trace: decode, summarize and check the e1000 events of a QEMU
 * simple-backend trace written by the TwinDrivers-patched QEMU.
 *
 *   e1000-trace dump FILE              one JSON object per event
 *   e1000-trace summary FILE           DMAs per kind, bytes, interrupts
 *   e1000-trace check FILE REGIONS     DMA confinement; exit 0 iff it held
 *
 * Event indices count every event record in the file from 0, the same
 * numbering for all three commands.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simpletrace.h"

/* Matches enum e1000_dma_kind in the QEMU patch: append, never renumber. */
static const char *const dma_kinds[] = {
	"tx_desc", "tx_desc_wb", "tx_buf", "rx_desc", "rx_desc_wb", "rx_buf",
};
#define NKINDS (sizeof(dma_kinds) / sizeof(dma_kinds[0]))

struct region {
	uint64_t start, end;	/* [start, end) */
};

struct summary {
	uint64_t events, dropped, e1000;
	uint64_t dma[NKINDS], dma_bytes[NKINDS], dma_errors;
	uint64_t reg_reads, reg_writes, irq_causes, irq_raise, irq_lower;
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
};

static int usage(void)
{
	fprintf(stderr,
		"usage: e1000-trace dump FILE\n"
		"       e1000-trace summary FILE\n"
		"       e1000-trace check FILE REGIONS\n"
		"REGIONS: one 'START END' a line (hex or decimal, END exclusive),\n"
		"'#' starts a comment.  check exits 0 if every DMA stayed inside\n"
		"a region, 1 if not (or if events were dropped), 2 on errors.\n");
	return 2;
}

static const char *kind_name(uint64_t k)
{
	return k < NKINDS ? dma_kinds[k] : "unknown";
}

/* Argument words are 64-bit; int arguments are sign-extended by QEMU. */
static void dump_event(uint64_t i, const struct st_event *ev)
{
	const uint64_t *a = ev->args;

	printf("{\"i\":%" PRIu64 ",\"ts\":%" PRIu64 ",\"event\":\"%s\"", i,
	       ev->ts, ev->name);
	if (!strcmp(ev->name, "e1000_dma") && ev->nargs >= 6)
		printf(",\"kind\":\"%s\",\"to_mem\":%d,\"addr\":%" PRIu64
		       ",\"len\":%" PRIu64 ",\"idx\":%" PRIu32 ",\"result\":%d",
		       kind_name(a[0]), (int)a[1], a[2], a[3], (uint32_t)a[4],
		       (int)a[5]);
	else if ((!strcmp(ev->name, "e1000_reg_read") ||
		  !strcmp(ev->name, "e1000_reg_write")) && ev->nargs >= 2)
		printf(",\"off\":%" PRIu32 ",\"val\":%" PRIu64,
		       (uint32_t)a[0], a[1]);
	else if (!strcmp(ev->name, "e1000_irq_cause") && ev->nargs >= 2)
		printf(",\"icr\":%" PRIu32 ",\"ims\":%" PRIu32,
		       (uint32_t)a[0], (uint32_t)a[1]);
	else if (!strcmp(ev->name, "e1000_irq_level") && ev->nargs >= 1)
		printf(",\"level\":%d", (int)a[0]);
	else if (!strcmp(ev->name, "e1000_tx_packet") && ev->nargs >= 1)
		printf(",\"len\":%d", (int)a[0]);
	else if (!strcmp(ev->name, "e1000_rx_packet") && ev->nargs >= 2)
		printf(",\"len\":%" PRIu64 ",\"rdh\":%" PRIu32, a[0],
		       (uint32_t)a[1]);
	else if (!strcmp(ev->name, "dropped") && ev->nargs >= 1)
		printf(",\"count\":%" PRIu64, a[0]);
	printf("}\n");
}

static void account(struct summary *s, const struct st_event *ev)
{
	const uint64_t *a = ev->args;

	s->events++;
	if (!strcmp(ev->name, "dropped")) {
		s->dropped += ev->nargs ? a[0] : 0;
		return;
	}
	if (strncmp(ev->name, "e1000_", 6))
		return;
	s->e1000++;
	if (!strcmp(ev->name, "e1000_dma") && ev->nargs >= 6) {
		if (a[0] < NKINDS) {
			s->dma[a[0]]++;
			s->dma_bytes[a[0]] += a[3];
		}
		if ((int)a[5])
			s->dma_errors++;
	} else if (!strcmp(ev->name, "e1000_reg_read")) {
		s->reg_reads++;
	} else if (!strcmp(ev->name, "e1000_reg_write")) {
		s->reg_writes++;
	} else if (!strcmp(ev->name, "e1000_irq_cause")) {
		s->irq_causes++;
	} else if (!strcmp(ev->name, "e1000_irq_level") && ev->nargs) {
		if (a[0])
			s->irq_raise++;
		else
			s->irq_lower++;
	} else if (!strcmp(ev->name, "e1000_tx_packet") && ev->nargs) {
		s->tx_packets++;
		s->tx_bytes += (uint32_t)a[0];
	} else if (!strcmp(ev->name, "e1000_rx_packet") && ev->nargs) {
		s->rx_packets++;
		s->rx_bytes += a[0];
	}
}

static void print_summary(const struct summary *s)
{
	unsigned int k;

	printf("{\"events\":%" PRIu64 ",\"dropped\":%" PRIu64
	       ",\"e1000_events\":%" PRIu64 ",\"dma\":{", s->events,
	       s->dropped, s->e1000);
	for (k = 0; k < NKINDS; k++)
		printf("%s\"%s\":{\"count\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
		       k ? "," : "", dma_kinds[k], s->dma[k], s->dma_bytes[k]);
	printf("},\"dma_errors\":%" PRIu64 ",\"reg_reads\":%" PRIu64
	       ",\"reg_writes\":%" PRIu64 ",\"irq_causes\":%" PRIu64
	       ",\"irq_raise\":%" PRIu64 ",\"irq_lower\":%" PRIu64
	       ",\"tx_packets\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
	       ",\"rx_packets\":%" PRIu64 ",\"rx_bytes\":%" PRIu64 "}\n",
	       s->dma_errors, s->reg_reads, s->reg_writes, s->irq_causes,
	       s->irq_raise, s->irq_lower, s->tx_packets, s->tx_bytes,
	       s->rx_packets, s->rx_bytes);
}

static int parse_u64(const char *tok, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(tok, &end, 0);
	return errno || end == tok || *end ? -1 : 0;
}

/* Returns the number of regions, or -1 with the line reported. */
static int load_regions(const char *path, struct region **out)
{
	char line[512], a[128], b[128], extra[2];
	struct region *r = NULL;
	int n = 0, lineno = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#');
		struct region *nr;
		int fields;

		lineno++;
		if (hash)
			*hash = '\0';
		fields = sscanf(line, "%127s %127s %1s", a, b, extra);
		if (fields <= 0)
			continue;
		nr = realloc(r, (n + 1) * sizeof(*r));
		if (!nr)
			goto bad;
		r = nr;
		if (fields != 2 || parse_u64(a, &r[n].start) ||
		    parse_u64(b, &r[n].end) || r[n].end <= r[n].start) {
			fprintf(stderr, "%s:%d: expected 'START END' with START < END\n",
				path, lineno);
			goto bad;
		}
		n++;
	}
	fclose(f);
	*out = r;
	return n;
bad:
	fclose(f);
	free(r);
	return -1;
}

static int allowed(const struct region *r, int n, uint64_t addr, uint64_t len)
{
	int i;

	if (addr + len < addr)
		return 0;
	for (i = 0; i < n; i++)
		if (addr >= r[i].start && addr + len <= r[i].end)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct summary sum = { 0 };
	struct region *regions = NULL;
	struct st_reader rd;
	struct st_event ev;
	uint64_t i = 0, violations = 0;
	int nregions = 0, rc, mode;

	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "dump") && argc == 3)
		mode = 0;
	else if (!strcmp(argv[1], "summary") && argc == 3)
		mode = 1;
	else if (!strcmp(argv[1], "check") && argc == 4)
		mode = 2;
	else
		return usage();

	if (mode == 2) {
		nregions = load_regions(argv[3], &regions);
		if (nregions < 0)
			return 2;
	}
	if (st_open(&rd, argv[2])) {
		st_close(&rd);
		return 2;
	}
	while ((rc = st_next(&rd, &ev)) == 1) {
		if (mode == 0)
			dump_event(i, &ev);
		account(&sum, &ev);
		if (mode == 2 && !strcmp(ev.name, "e1000_dma") &&
		    ev.nargs >= 6 && !allowed(regions, nregions, ev.args[2],
					      ev.args[3])) {
			printf("violation: event %" PRIu64 " %s %s addr 0x%"
			       PRIx64 " len %" PRIu64 " idx %" PRIu32 "\n", i,
			       kind_name(ev.args[0]),
			       ev.args[1] ? "write" : "read", ev.args[2],
			       ev.args[3], (uint32_t)ev.args[4]);
			violations++;
		}
		i++;
	}
	st_close(&rd);
	free(regions);
	if (rc < 0)
		return 2;
	if (mode == 1)
		print_summary(&sum);
	if (mode != 2)
		return 0;
	if (sum.dropped)
		printf("incomplete: %" PRIu64 " events dropped by QEMU; confinement not proven\n",
		       sum.dropped);
	printf("%s: %" PRIu64 " DMAs checked, %" PRIu64 " violations\n",
	       violations || sum.dropped ? "FAIL" : "OK",
	       sum.dma[0] + sum.dma[1] + sum.dma[2] + sum.dma[3] +
	       sum.dma[4] + sum.dma[5], violations);
	return violations || sum.dropped ? 1 : 0;
}
