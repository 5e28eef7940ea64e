// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the corpus and prints one line per result.  Built against the
 * original corpus or twinc's rewrite (with -DTWIN, linked with the SVM
 * runtime).  Under TWIN the arena is mapped in SVM through a second,
 * page-reversed view of the same memory, so translated accesses really go
 * through the TLB's host addresses and page-crossing accesses meet
 * non-adjacent host pages.
 *
 *   harness run [ROUNDS]   every corpus test
 *   harness refuse         an access outside the SVM map
 *   harness badcall        an indirect call to a target outside the policy
 *   harness deny           a call to a function the policy denies
 *   harness rowrite        a write to a page mapped read-only
 *   harness alias          (rewrite only) a write through a non-canonical
 *                          alias of a read-only page's TLB entry
 *   harness flip           a jump-label key enabled at run time
 *   harness warn N         a WARN when N > 3 (SIGILL unless rewritten)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "corpus.h"
#ifdef TWIN
#include "svm_user.h"
#endif

void report(const char *name, unsigned long value)
{
	printf("%s %lu\n", name, value);
}

void forbidden(void)
{
	printf("forbidden called\n");
}

extern char __data_start[], _end[], etext[];
#ifdef TWIN
/* probe executions and probe misses, when a test instrumented the rewrite */
extern unsigned long twin_probes __attribute__((weak));
extern unsigned long twin_probe_misses __attribute__((weak));
#endif

int main(int argc, char **argv)
{
	size_t len = ARENA_PAGES * 4096;
	int fd = memfd_create("arena", 0);
	unsigned char *v;
	struct env e = { .nr = 133, .rounds = 1 };
	unsigned long *secret, *ro;

	if (argc < 2 || fd < 0 || ftruncate(fd, len))
		return 2;
	v = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	secret = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v == MAP_FAILED || secret == MAP_FAILED || ro == MAP_FAILED)
		return 2;
	*ro = 40;
	*secret = 0x5ec12e7;
	for (size_t i = 0; i < len; i++)	/* deterministic, non-zero contents */
		v[i] = (unsigned char)(i * 131 + (i >> 9) + 7);
	e.arena = v;
	if (argc > 2 && !strcmp(argv[1], "run"))
		e.rounds = atoi(argv[2]);
#ifdef TWIN
	{
		unsigned char *h = mmap(NULL, len, PROT_NONE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned long sp = (unsigned long)&fd & ~4095UL;
		int i;

		svm_init();
		for (i = 0; i < ARENA_PAGES; i++) {
			unsigned char *hp = h + (ARENA_PAGES - 1 - i) * 4096;

			if (mmap(hp, 4096, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED, fd, i * 4096) != hp)
				return 2;
			svm_user_map((unsigned long)v + i * 4096,
				     (unsigned long)hp, 4096, true);
		}
		svm_user_map((unsigned long)__data_start, (unsigned long)__data_start,
			     (unsigned long)_end - (unsigned long)__data_start + 4095, true);
		/* its read-only data (the loader does the same in Xen) */
		svm_user_map((unsigned long)etext, (unsigned long)etext,
			     (unsigned long)__data_start - (unsigned long)etext, false);
		svm_user_map((unsigned long)ro, (unsigned long)ro, 4096, false);
		/* the instance's stack is its own: map it 1:1 */
		svm_user_map(sp - 256 * 1024, sp - 256 * 1024, 264 * 1024, true);
	}
#endif
	if (!strcmp(argv[1], "run")) {
		unsigned long h = 14695981039346656037UL;

		twin_run(&e);
		/* every byte the run left in the arena, read here directly:
		 * a write lost in a bounce buffer shows (not pages 0 and 6,
		 * where t_badcall and t_indirect store function addresses,
		 * which differ between the two builds) */
		for (size_t i = 0; i < len; i++)
			if (i / 4096 != 0 && i / 4096 != 6)
				h = (h ^ v[i]) * 1099511628211UL;
		printf("arena %#lx\n", h);
	} else if (!strcmp(argv[1], "refuse")) {
		printf("value %#lx\n", t_refuse(secret));
		printf("secret %#lx\n", *secret);
	} else if (!strcmp(argv[1], "rowrite")) {
		printf("value %lu\n", t_rowrite((unsigned int *)ro));
		printf("ro %lu\n", *ro);
#ifdef TWIN
	} else if (!strcmp(argv[1], "alias")) {
		/* a read-only page in TLB entry 0, and an address that indexes
		 * entry 0 too but is no canonical address */
		unsigned char *r = mmap(NULL, (SVM_TLB_SIZE + 1) * 4096UL, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned int *p;

		if (r == MAP_FAILED)
			return 2;
		while (((unsigned long)r >> 12) & (SVM_TLB_SIZE - 1))
			r += 4096;
		p = (unsigned int *)(r + 64);
		*p = 40;
		svm_user_map((unsigned long)r, (unsigned long)r, 4096, false);
		printf("value %lu\n", t_alias(p, (unsigned int *)(0x8000000000000000UL | 64)));
		printf("ro %u\n", *p);
#endif
	} else if (!strcmp(argv[1], "flip")) {
		printf("value %lu\n", t_jumplabel_flip());
	} else if (!strcmp(argv[1], "warn") && argc > 2) {
		printf("value %lu\n", t_warn(strtoul(argv[2], NULL, 0)));
	} else if (!strcmp(argv[1], "deny")) {
		printf("value %lu\n", t_deny());
	} else if (!strcmp(argv[1], "badcall")) {
		printf("value %lu\n", t_badcall((struct ops *)(v + 64)));
	} else {
		return 2;
	}
#ifdef TWIN
	printf("# svm misses %llu fills %llu crossings %llu bounces %llu "
	       "refusals %llu rep %llu dispatch_refused %llu denied %llu warns %llu "
	       "sunk %llu disabled %d hits %llu",
	       (unsigned long long)svm_stats.misses,
	       (unsigned long long)svm_stats.fills,
	       (unsigned long long)svm_stats.crossings,
	       (unsigned long long)svm_stats.bounces,
	       (unsigned long long)svm_stats.refusals,
	       (unsigned long long)svm_stats.rep_ops,
	       (unsigned long long)svm_stats.dispatch_refused,
	       (unsigned long long)svm_stats.denied,
	       (unsigned long long)svm_stats.warns,
	       (unsigned long long)svm_stats.sunk, svm_disabled,
	       (unsigned long long)__svm_hits);
	if (&twin_probes && &twin_probe_misses)
		printf(" probes %lu probe_misses %lu", twin_probes, twin_probe_misses);
	printf("\n");
#endif
	return 0;
}
