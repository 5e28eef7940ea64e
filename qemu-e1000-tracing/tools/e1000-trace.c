// SPDX-License-Identifier: GPL-2.0
/*
 * e1000-trace: decode, summarize and check the e1000 events of a QEMU
 * simple-backend trace written by the TwinDrivers-patched QEMU.  The
 * e1000e model emits the same events (patch 0008), plus e1000_irq_msg for
 * its MSI and MSI-X messages; e1000_model says which device wrote them.
 *
 *   e1000-trace dump FILE              one JSON object per event
 *   e1000-trace summary FILE           DMAs per kind, bytes, interrupts,
 *                                      injected faults
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

/* An e1000_fault (injection) or e1000_fault_end event */
struct fault {
	uint64_t i;		/* event index */
	uint64_t line, nth, arg;
	char action[32], trigger[32];
	int end;
};

struct summary {
	uint64_t events, dropped, e1000;
	uint64_t dma[NKINDS], dma_bytes[NKINDS], dma_errors;
	uint64_t reg_reads, reg_writes, irq_causes, irq_raise, irq_lower;
	uint64_t irq_msgs;	/* e1000e: MSI/MSI-X messages */
	char model[64];		/* e1000_model; "" when the trace has none */
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
	int64_t faults_loaded;	/* -1: no fault file */
	struct fault *faults;
	uint64_t nfaults, faults_injected;
};

static int usage(void)
{
	fprintf(stderr,
		"usage: e1000-trace dump FILE\n"
		"       e1000-trace summary FILE\n"
		"       e1000-trace check [--from NS] [--to NS] [--marks] FILE REGIONS\n"
		"REGIONS: one 'START END' a line (hex or decimal, END exclusive),\n"
		"'#' starts a comment.  check exits 0 if every DMA stayed inside\n"
		"a region, 1 if not (or if events were dropped), 2 on errors.\n"
		"--from/--to: only the DMAs in that window of the trace's clock\n"
		"(the host's CLOCK_MONOTONIC, in ns; --to exclusive) are checked.\n"
		"--marks: within that, from the first write of 0 to ICS (Xen's mark\n"
		"that the hypervisor instance took the device) to the next (its mark\n"
		"that it let it go).\n");
	return 2;
}

static const char *kind_name(uint64_t k)
{
	return k < NKINDS ? dma_kinds[k] : "unknown";
}

/* A JSON string; the fault file's path is the only free-form text */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/*
 * The fault events have string arguments:
 *   e1000_fault(line, action, trigger, nth, arg)
 *   e1000_fault_end(line, action)
 * Returns 0 and fills *f, -1 if ev is not one of them or is short.
 */
static int fault_event(uint64_t i, const struct st_event *ev, struct fault *f)
{
	memset(f, 0, sizeof(*f));
	f->i = i;
	if (!strcmp(ev->name, "e1000_fault"))
		return st_args(ev, "ussuu", &f->line, f->action,
			       sizeof(f->action), f->trigger, sizeof(f->trigger),
			       &f->nth, &f->arg);
	if (!strcmp(ev->name, "e1000_fault_end")) {
		f->end = 1;
		return st_args(ev, "us", &f->line, f->action,
			       sizeof(f->action));
	}
	return -1;
}

static void print_fault(const struct fault *f)
{
	printf("\"line\":%" PRIu64 ",\"action\":\"%s\"", f->line, f->action);
	if (!f->end)
		printf(",\"trigger\":\"%s\",\"nth\":%" PRIu64 ",\"arg\":%"
		       PRIu64, f->trigger, f->nth, f->arg);
}

/* Argument words are 64-bit; int arguments are sign-extended by QEMU. */
static void dump_event(uint64_t i, const struct st_event *ev)
{
	const uint64_t *a = ev->args;
	struct fault f;
	char file[512];
	uint64_t n;

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
	else if (!strcmp(ev->name, "e1000_irq_msg") && ev->nargs >= 1)
		printf(",\"vector\":%" PRIu32, (uint32_t)a[0]);
	else if (!strcmp(ev->name, "e1000_tx_packet") && ev->nargs >= 1)
		printf(",\"len\":%d", (int)a[0]);
	else if (!strcmp(ev->name, "e1000_rx_packet") && ev->nargs >= 2)
		printf(",\"len\":%" PRIu64 ",\"rdh\":%" PRIu32, a[0],
		       (uint32_t)a[1]);
	else if ((!strcmp(ev->name, "vtd_translation") ||
		  !strcmp(ev->name, "amdvi_translation")) && ev->nargs >= 6)
		printf(",\"sid\":%" PRIu32 ",\"iova\":%" PRIu64 ",\"xlat\":%"
		       PRIu64 ",\"perm\":%d,\"write\":%d,\"ok\":%d",
		       (uint32_t)a[0], a[1], a[2], (int)a[3], (int)a[4],
		       (int)a[5]);
	else if (!strcmp(ev->name, "vtd_dmar_fault") && ev->nargs >= 4)
		printf(",\"sid\":%" PRIu32 ",\"fault\":%d,\"addr\":%" PRIu64
		       ",\"write\":%d", (uint32_t)a[0], (int)a[1], a[2],
		       (int)a[3]);
	else if (!strcmp(ev->name, "amdvi_page_fault") && ev->nargs >= 1)
		printf(",\"addr\":%" PRIu64, a[0]);
	else if (!strcmp(ev->name, "dropped") && ev->nargs >= 1)
		printf(",\"count\":%" PRIu64, a[0]);
	else if (!fault_event(i, ev, &f)) {
		putchar(',');
		print_fault(&f);
	} else if (!strcmp(ev->name, "e1000_fault_load") &&
		   !st_args(ev, "su", file, sizeof(file), &n)) {
		printf(",\"file\":");
		json_str(file);
		printf(",\"faults\":%" PRIu64, n);
	} else if (!strcmp(ev->name, "e1000_model") &&
		   !st_args(ev, "s", file, sizeof(file))) {
		printf(",\"model\":");
		json_str(file);
	}
	printf("}\n");
}

static int account(struct summary *s, uint64_t i, const struct st_event *ev)
{
	const uint64_t *a = ev->args;
	char file[512];
	struct fault f;
	uint64_t n;

	s->events++;
	if (!strcmp(ev->name, "dropped")) {
		s->dropped += ev->nargs ? a[0] : 0;
		return 0;
	}
	if (strncmp(ev->name, "e1000_", 6))
		return 0;
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
	} else if (!strcmp(ev->name, "e1000_irq_msg")) {
		s->irq_msgs++;
	} else if (!strcmp(ev->name, "e1000_model")) {
		if (st_args(ev, "s", s->model, sizeof(s->model)))
			s->model[0] = '\0';
	} else if (!strcmp(ev->name, "e1000_tx_packet") && ev->nargs) {
		s->tx_packets++;
		s->tx_bytes += (uint32_t)a[0];
	} else if (!strcmp(ev->name, "e1000_rx_packet") && ev->nargs) {
		s->rx_packets++;
		s->rx_bytes += a[0];
	} else if (!fault_event(i, ev, &f)) {
		struct fault *nf = realloc(s->faults,
					   (s->nfaults + 1) * sizeof(*nf));

		if (!nf)
			return -1;
		s->faults = nf;
		s->faults[s->nfaults++] = f;
		if (!f.end)
			s->faults_injected++;
	} else if (!strcmp(ev->name, "e1000_fault_load") &&
		   !st_args(ev, "su", file, sizeof(file), &n)) {
		s->faults_loaded = (s->faults_loaded < 0 ? 0 : s->faults_loaded) + n;
	}
	return 0;
}

static void print_summary(const struct summary *s)
{
	unsigned int k;
	uint64_t j;

	printf("{\"events\":%" PRIu64 ",\"dropped\":%" PRIu64
	       ",\"e1000_events\":%" PRIu64 ",\"model\":", s->events,
	       s->dropped, s->e1000);
	if (s->model[0])
		json_str(s->model);
	else
		printf("null");
	printf(",\"dma\":{");
	for (k = 0; k < NKINDS; k++)
		printf("%s\"%s\":{\"count\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
		       k ? "," : "", dma_kinds[k], s->dma[k], s->dma_bytes[k]);
	printf("},\"dma_errors\":%" PRIu64 ",\"reg_reads\":%" PRIu64
	       ",\"reg_writes\":%" PRIu64 ",\"irq_causes\":%" PRIu64
	       ",\"irq_raise\":%" PRIu64 ",\"irq_lower\":%" PRIu64
	       ",\"irq_msgs\":%" PRIu64
	       ",\"tx_packets\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
	       ",\"rx_packets\":%" PRIu64 ",\"rx_bytes\":%" PRIu64,
	       s->dma_errors, s->reg_reads, s->reg_writes, s->irq_causes,
	       s->irq_raise, s->irq_lower, s->irq_msgs, s->tx_packets, s->tx_bytes,
	       s->rx_packets, s->rx_bytes);
	/* faults: injections in "faults", ends of durations in "fault_ends" */
	if (s->faults_loaded < 0)
		printf(",\"faults_loaded\":null");
	else
		printf(",\"faults_loaded\":%" PRId64, s->faults_loaded);
	printf(",\"faults_injected\":%" PRIu64 ",\"faults\":[",
	       s->faults_injected);
	for (k = 0, j = 0; j < s->nfaults; j++) {
		if (s->faults[j].end)
			continue;
		printf("%s{\"i\":%" PRIu64 ",", k++ ? "," : "", s->faults[j].i);
		print_fault(&s->faults[j]);
		putchar('}');
	}
	printf("],\"fault_ends\":[");
	for (k = 0, j = 0; j < s->nfaults; j++) {
		if (!s->faults[j].end)
			continue;
		printf("%s{\"i\":%" PRIu64 ",", k++ ? "," : "", s->faults[j].i);
		print_fault(&s->faults[j]);
		putchar('}');
	}
	printf("]}\n");
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

/*
 * With an IOMMU in front of the device, a DMA's bus address is an IOVA:
 * QEMU translates it (vtd_translation or amdvi_translation, from patch
 * 0003) chunk by chunk just before the access, so the translations since
 * the previous e1000_dma are this DMA's, in address order.  Each chunk
 * runs from its IOVA to the next chunk's, and is checked where it went.
 */
/*
 * A refused access is translated again for every few bytes (258
 * translations for a 1 KiB read at an unmapped IOVA), so the list grows
 * with what it is given; past this bound (other devices' translations
 * with no e1000 DMA in between) the oldest are dropped.
 */
#define MAX_PENDING (1 << 18)

struct translation {
	uint64_t i, sid, iova, xlat, ok;
};

struct checker {
	const struct region *regions;
	int nregions;
	int iommu;			/* translations seen: addresses are IOVAs */
	struct translation *pend;
	int npend, cap;
	uint64_t checked, violations, blocked;
	uint64_t from, to;		/* the window checked, [from, to) in trace ns */
	int marks;			/* the window runs between Xen's two marks */
	int marks_seen;
};

#define REG_ICS 0xc8

/* Past this many, violations are counted, not printed. */
#define MAX_PRINTED 50

static int is_translation(const struct st_event *ev)
{
	return ev->nargs >= 6 && (!strcmp(ev->name, "vtd_translation") ||
				  !strcmp(ev->name, "amdvi_translation"));
}

static void note_translation(struct checker *c, uint64_t i, const struct st_event *ev)
{
	struct translation *t;

	c->iommu = 1;
	if (c->npend == MAX_PENDING) {	/* not the e1000's: keep the latest half */
		memmove(c->pend, c->pend + MAX_PENDING / 2,
			MAX_PENDING / 2 * sizeof(c->pend[0]));
		c->npend = MAX_PENDING / 2;
	}
	if (c->npend == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->pend = realloc(c->pend, c->cap * sizeof(c->pend[0]));
		if (!c->pend) {
			fprintf(stderr, "e1000-trace: out of memory\n");
			exit(2);
		}
	}
	t = &c->pend[c->npend++];
	t->i = i;
	t->sid = ev->args[0];
	t->iova = ev->args[1];
	t->xlat = ev->args[2];
	t->ok = ev->args[5];
}

static void violation(struct checker *c, uint64_t i, const struct st_event *ev, const char *why)
{
	if (c->violations++ >= MAX_PRINTED)
		return;
	printf("violation: event %" PRIu64 " %s %s addr 0x%" PRIx64 " len %" PRIu64
	       " idx %" PRIu32 "%s\n", i, kind_name(ev->args[0]),
	       ev->args[1] ? "write" : "read", ev->args[2], ev->args[3],
	       (uint32_t)ev->args[4], why);
}

static void check_dma(struct checker *c, uint64_t i, const struct st_event *ev)
{
	uint64_t addr = ev->args[2], len = ev->args[3], end = addr + len;
	char why[96];
	int k, first = -1;

	if (ev->ts < c->from || ev->ts >= c->to || (c->marks && c->marks_seen != 1))
		goto out;
	c->checked++;
	if (!c->iommu) {
		if (!allowed(c->regions, c->nregions, addr, len))
			violation(c, i, ev, "");
		return;
	}
	/* the latest such: a retried access is translated again */
	for (k = 0; k < c->npend; k++)
		if (c->pend[k].iova == addr)
			first = k;
	if (first < 0) {
		violation(c, i, ev, " untranslated (no IOMMU translation precedes it)");
		goto out;
	}
	for (k = first; k < c->npend && c->pend[k].iova < end; k++) {
		const struct translation *t = &c->pend[k];
		uint64_t next = end;

		if (k + 1 < c->npend && c->pend[k + 1].iova > t->iova && c->pend[k + 1].iova < end)
			next = c->pend[k + 1].iova;
		if (!t->ok) {	/* the IOMMU refused it: the access did not happen */
			c->blocked++;
			break;
		}
		if (!allowed(c->regions, c->nregions, t->xlat, next - t->iova)) {
			snprintf(why, sizeof(why), " -> 0x%" PRIx64 " (translation at event %" PRIu64 ")",
				 t->xlat, t->i);
			violation(c, i, ev, why);
			break;
		}
	}
out:
	c->npend = 0;
}

int main(int argc, char **argv)
{
	struct summary sum = { .faults_loaded = -1 };
	struct checker chk = { .to = UINT64_MAX };
	struct region *regions = NULL;
	struct st_reader rd;
	struct st_event ev;
	uint64_t i = 0, violations = 0;
	int nregions = 0, rc, mode;

	if (argc < 3)
		return usage();
	while (!strcmp(argv[1], "check") && argc > 4 && argv[2][0] == '-') {
		uint64_t *at;

		if (!strcmp(argv[2], "--marks")) {
			chk.marks = 1;
			argv[2] = argv[1];
			argv++;
			argc--;
			continue;
		}
		at = !strcmp(argv[2], "--from") ? &chk.from :
		     !strcmp(argv[2], "--to") ? &chk.to : NULL;
		if (!at || parse_u64(argv[3], at))
			return usage();
		argv[3] = argv[1];	/* drop the option and its value */
		argv += 2;
		argc -= 2;
	}
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
		chk.regions = regions;
		chk.nregions = nregions;
	}
	if (st_open(&rd, argv[2])) {
		st_close(&rd);
		return 2;
	}
	while ((rc = st_next(&rd, &ev)) == 1) {
		if (mode == 0)
			dump_event(i, &ev);
		if (account(&sum, i, &ev)) {
			fprintf(stderr, "e1000-trace: out of memory\n");
			rc = -1;
			break;
		}
		/* Xen's marks (hv/xen/dma_record.c): attach, then hand-back */
		if (mode == 2 && chk.marks && !strcmp(ev.name, "e1000_reg_write") &&
		    ev.nargs >= 2 && ev.args[0] == REG_ICS && ev.args[1] == 0 &&
		    ev.ts >= chk.from && ev.ts < chk.to)
			chk.marks_seen++;
		if (mode == 2 && is_translation(&ev))
			note_translation(&chk, i, &ev);
		if (mode == 2 && !strcmp(ev.name, "e1000_dma") && ev.nargs >= 6)
			check_dma(&chk, i, &ev);
		i++;
	}
	st_close(&rd);
	free(regions);
	free(chk.pend);
	if (rc < 0) {
		free(sum.faults);
		return 2;
	}
	if (mode == 1)
		print_summary(&sum);
	free(sum.faults);
	if (mode != 2)
		return 0;
	if (sum.dropped)
		printf("incomplete: %" PRIu64 " events dropped by QEMU; confinement not proven\n",
		       sum.dropped);
	violations = chk.violations;
	if (violations > MAX_PRINTED)
		printf("(%" PRIu64 " more violations not printed)\n", violations - MAX_PRINTED);
	if (chk.iommu)
		printf("iommu: DMAs followed through their translations; %" PRIu64
		       " refused by the IOMMU (not performed)\n", chk.blocked);
	if (chk.marks && !chk.marks_seen)
		printf("marks: Xen's attach mark is not in the window: nothing checked\n");
	printf("%s: %" PRIu64 " DMAs checked, %" PRIu64 " violations\n",
	       violations || sum.dropped ? "FAIL" : "OK", chk.checked, violations);
	return violations || sum.dropped ? 1 : 0;
}
