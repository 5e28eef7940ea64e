// SPDX-License-Identifier: GPL-2.0
/*
 * tdmemcheck - catch writes into memory its owner did not make.
 *
 *   tdmemcheck [--selftest] SECONDS [MB]
 *	until SECONDS have passed: map MB (default 128) of fresh anonymous
 *	memory, fill every 8-byte word with a value derived from its
 *	address, hold it for a while, check every word, unmap; repeat
 *	(--selftest: overwrite one word of each pass itself, which the
 *	check must then report)
 *
 * A device that writes into a page after the kernel freed it (a receive
 * buffer released while a descriptor still points at it) writes into
 * whatever the page became next.  Fresh mappings take the pages freed
 * most recently, so a process that keeps taking and checking them finds
 * such writes in its own memory.  Each corrupted run of words is printed
 * with its page frame (from /proc/self/pagemap, as root) and the first
 * bytes found there: a received frame starts with dom0's MAC address.
 *
 * Output: one line per corrupted run (at most MAX_REPORTS), then
 *   tdmemcheck: passes P, MB M, corrupted words W
 * Exit status: 0 nothing corrupted, 1 corruption found, 2 usage or error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPORTS	16
#define HOLD_NS		200000000L	/* between filling and checking */
#define PAGE		4096UL

static const uint64_t magic = 0x7464636b5a5a5a5aULL;	/* "tdck" */

static uint64_t pattern(const uint64_t *p)
{
	return (uint64_t)(uintptr_t)p ^ magic;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The page frame behind va, or 0 if pagemap does not say (not root). */
static uint64_t frame_of(int pagemap, const void *va)
{
	uint64_t e;
	off_t off = (off_t)((uintptr_t)va / PAGE) * sizeof(e);

	if (pagemap < 0 || pread(pagemap, &e, sizeof(e), off) != sizeof(e))
		return 0;
	return (e >> 63) ? e & ((1ULL << 55) - 1) : 0;
}

static void report(int pagemap, uint64_t *first, size_t words, unsigned int *reports)
{
	const unsigned char *b = (const unsigned char *)first;
	size_t i, n = words * 8 < 32 ? words * 8 : 32;

	if (++*reports > MAX_REPORTS)
		return;
	printf("corrupted: %zu words at %p (page offset %#lx, frame %#llx):",
	       words, (void *)first, (unsigned long)((uintptr_t)first % PAGE),
	       (unsigned long long)frame_of(pagemap, first));
	for (i = 0; i < n; i++)
		printf(" %02x", b[i]);
	printf("\n");
	fflush(stdout);
}

/* Check [p, p + words); the number of words that are not their pattern. */
static size_t check(int pagemap, uint64_t *p, size_t words, unsigned int *reports)
{
	size_t i, bad = 0, run = 0;

	for (i = 0; i <= words; i++) {
		if (i < words && p[i] != pattern(&p[i])) {
			run++;
			continue;
		}
		if (run)
			report(pagemap, &p[i - run], run, reports);
		bad += run;
		run = 0;
	}
	return bad;
}

static int usage(void)
{
	fprintf(stderr, "usage: tdmemcheck [--selftest] SECONDS [MB]\n");
	return 2;
}

int main(int argc, char **argv)
{
	double seconds, end;
	unsigned long mb = 128, passes = 0;
	size_t words, i, bad = 0;
	unsigned int reports = 0;
	bool selftest = argc > 1 && !strcmp(argv[1], "--selftest");
	char *e;
	int pagemap;

	argc -= selftest;
	argv += selftest;
	if (argc < 2 || argc > 3)
		return usage();
	seconds = strtod(argv[1], &e);
	if (*e || seconds <= 0)
		return usage();
	if (argc == 3) {
		mb = strtoul(argv[2], &e, 10);
		if (*e || !mb || mb > 65536)
			return usage();
	}
	words = mb * 1024 * 1024 / sizeof(uint64_t);
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	end = now_s() + seconds;
	do {
		struct timespec hold = { 0, HOLD_NS };
		uint64_t *p = mmap(NULL, words * 8, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (p == MAP_FAILED) {
			fprintf(stderr, "tdmemcheck: cannot map %lu MB: %s\n", mb, strerror(errno));
			return 2;
		}
		for (i = 0; i < words; i++)
			p[i] = pattern(&p[i]);
		if (selftest)
			p[words / 2] = 0;
		nanosleep(&hold, NULL);
		bad += check(pagemap, p, words, &reports);
		munmap(p, words * 8);
		passes++;
	} while (now_s() < end);
	printf("tdmemcheck: passes %lu, MB %lu, corrupted words %zu\n", passes, mb, bad);
	return bad ? 1 : 0;
}
