// SPDX-License-Identifier: GPL-2.0
/*
 * tdfpucheck - catch a process's vector registers changed behind its back.
 *
 *   tdfpucheck [--selftest] [--procs N] SECONDS
 *	N worker processes (default 4 per online CPU) for SECONDS (0: until
 *	killed): each loads the sixteen XMM registers with values of its
 *	own, enters the kernel with sched_yield() a number of times (so it
 *	is switched out and back in, its state saved and restored by the
 *	kernel, often on a vCPU the hypervisor has descheduled in between),
 *	then stores the registers and compares them with what it loaded.
 *	(--selftest: one worker changes XMM5 itself between the load and the
 *	check once per round, which must then be reported.)
 *
 * Why: Xen switches FPU state lazily on AMD CPUs (QEMU's TCG "max" CPU is
 * one): a vCPU switched back in gets CR0.TS and its registers back only
 * at its first #NM.  A CPU that raises no #NM for XSAVEOPT/XRSTOR (QEMU's
 * TCG before qemu-e1000-tracing/patches/0006) lets the guest kernel save
 * foreign registers as a task's state and have its restore undone later,
 * and processes then run on another's vector registers.  Each worker here
 * is a process whose registers are known at every instant it checks.
 *
 * Output: one line per corrupted check (at most MAX_REPORTS in all), then
 *   tdfpucheck: procs P, seconds S, checks C, corrupted K
 * Exit status: 0 nothing corrupted, 1 corruption found, 2 usage or error.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NR_XMM		16
#define YIELDS		8	/* kernel entries between load and check */
#define MAX_PROCS	256
#define MAX_REPORTS	16

struct shared {
	uint64_t checks, corrupted;
	unsigned int reports;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The 16-byte value a worker puts in register r in round n. */
static void fill(uint64_t *v, unsigned int worker, uint64_t round)
{
	unsigned int r;

	for (r = 0; r < NR_XMM; r++) {
		v[2 * r] = 0x7464667000000000ULL ^ ((uint64_t)worker << 24) ^
			   ((uint64_t)r << 16) ^ (round & 0xffff);
		v[2 * r + 1] = ~v[2 * r] ^ (round << 20);
	}
}

/*
 * Load XMM0-15 from in[], yield to the kernel YIELDS times, optionally
 * change XMM5 (the selftest), store XMM0-15 to out[].  All in one asm
 * statement: between the load and the store only the kernel can touch
 * the registers (a syscall clobbers rax, rcx and r11, never XMM).
 */
static void load_yield_store(const uint64_t *in, uint64_t *out, bool tamper)
{
	register long tam __asm__("r9") = tamper;
	long nr = SYS_sched_yield;

	__asm__ volatile(
		"movdqu   0(%[in]), %%xmm0\n\t"
		"movdqu  16(%[in]), %%xmm1\n\t"
		"movdqu  32(%[in]), %%xmm2\n\t"
		"movdqu  48(%[in]), %%xmm3\n\t"
		"movdqu  64(%[in]), %%xmm4\n\t"
		"movdqu  80(%[in]), %%xmm5\n\t"
		"movdqu  96(%[in]), %%xmm6\n\t"
		"movdqu 112(%[in]), %%xmm7\n\t"
		"movdqu 128(%[in]), %%xmm8\n\t"
		"movdqu 144(%[in]), %%xmm9\n\t"
		"movdqu 160(%[in]), %%xmm10\n\t"
		"movdqu 176(%[in]), %%xmm11\n\t"
		"movdqu 192(%[in]), %%xmm12\n\t"
		"movdqu 208(%[in]), %%xmm13\n\t"
		"movdqu 224(%[in]), %%xmm14\n\t"
		"movdqu 240(%[in]), %%xmm15\n\t"
		"movl     %[yields], %%r8d\n"
		"1:\n\t"
		"movq     %[nr], %%rax\n\t"
		"syscall\n\t"
		"decl     %%r8d\n\t"
		"jnz      1b\n\t"
		"testq    %[tam], %[tam]\n\t"
		"jz       2f\n\t"
		"pxor     %%xmm0, %%xmm5\n"
		"2:\n\t"
		"movdqu   %%xmm0,    0(%[out])\n\t"
		"movdqu   %%xmm1,   16(%[out])\n\t"
		"movdqu   %%xmm2,   32(%[out])\n\t"
		"movdqu   %%xmm3,   48(%[out])\n\t"
		"movdqu   %%xmm4,   64(%[out])\n\t"
		"movdqu   %%xmm5,   80(%[out])\n\t"
		"movdqu   %%xmm6,   96(%[out])\n\t"
		"movdqu   %%xmm7,  112(%[out])\n\t"
		"movdqu   %%xmm8,  128(%[out])\n\t"
		"movdqu   %%xmm9,  144(%[out])\n\t"
		"movdqu   %%xmm10, 160(%[out])\n\t"
		"movdqu   %%xmm11, 176(%[out])\n\t"
		"movdqu   %%xmm12, 192(%[out])\n\t"
		"movdqu   %%xmm13, 208(%[out])\n\t"
		"movdqu   %%xmm14, 224(%[out])\n\t"
		"movdqu   %%xmm15, 240(%[out])\n\t"
		:
		: [in] "r" (in), [out] "r" (out), [nr] "r" (nr),
		  [yields] "i" (YIELDS), [tam] "r" (tam)
		: "rax", "rcx", "r8", "r11", "memory", "cc",
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
		  "xmm15");
}

static void report(struct shared *sh, unsigned int worker, uint64_t round,
		   const uint64_t *want, const uint64_t *got)
{
	unsigned int r, n = 0;
	char line[512];
	int len;

	if (__atomic_add_fetch(&sh->reports, 1, __ATOMIC_RELAXED) > MAX_REPORTS)
		return;
	len = snprintf(line, sizeof(line), "corrupted: pid %d worker %u round %llu:",
		       (int)getpid(), worker, (unsigned long long)round);
	for (r = 0; r < NR_XMM && len < (int)sizeof(line) - 80; r++) {
		if (want[2 * r] == got[2 * r] && want[2 * r + 1] == got[2 * r + 1])
			continue;
		if (n++ < 3)
			len += snprintf(line + len, sizeof(line) - len,
					" xmm%u %016llx%016llx (want %016llx%016llx)", r,
					(unsigned long long)got[2 * r + 1],
					(unsigned long long)got[2 * r],
					(unsigned long long)want[2 * r + 1],
					(unsigned long long)want[2 * r]);
	}
	printf("%s; %u of %u registers differ\n", line, n, NR_XMM);
	fflush(stdout);
}

static void worker(struct shared *sh, unsigned int id, double deadline, bool selftest)
{
	uint64_t want[2 * NR_XMM], got[2 * NR_XMM], round;

	for (round = 0; !deadline || now_s() < deadline; round++) {
		bool tamper = selftest && id == 0;

		fill(want, id, round);
		load_yield_store(want, got, tamper);
		__atomic_add_fetch(&sh->checks, 1, __ATOMIC_RELAXED);
		if (memcmp(want, got, sizeof(want))) {
			__atomic_add_fetch(&sh->corrupted, 1, __ATOMIC_RELAXED);
			report(sh, id, round, want, got);
		}
	}
	_exit(0);
}

static void usage(void)
{
	fprintf(stderr, "usage: tdfpucheck [--selftest] [--procs N] SECONDS  (SECONDS 0: until killed)\n");
	exit(2);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig __attribute__((unused)))
{
	stop = 1;
}

int main(int argc, char **argv)
{
	long procs = 4 * sysconf(_SC_NPROCESSORS_ONLN);
	pid_t pids[MAX_PROCS];
	bool selftest = false;
	struct shared *sh;
	double seconds, t0, deadline;
	char *end;
	long i;
	int a;

	for (a = 1; a < argc && argv[a][0] == '-' && argv[a][1] == '-'; a++) {
		if (!strcmp(argv[a], "--selftest")) {
			selftest = true;
		} else if (!strcmp(argv[a], "--procs") && a + 1 < argc) {
			procs = strtol(argv[++a], &end, 10);
			if (*end || procs < 1 || procs > MAX_PROCS) {
				fprintf(stderr, "tdfpucheck: --procs wants 1..%d, not '%s'\n",
					MAX_PROCS, argv[a]);
				return 2;
			}
		} else {
			usage();
		}
	}
	if (a != argc - 1)
		usage();
	seconds = strtod(argv[a], &end);
	if (*end || seconds < 0) {
		fprintf(stderr, "tdfpucheck: SECONDS must be a number >= 0, not '%s'\n", argv[a]);
		return 2;
	}

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		fprintf(stderr, "tdfpucheck: mmap: %s\n", strerror(errno));
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = now_s();
	deadline = seconds ? t0 + seconds : 0;
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			fprintf(stderr, "tdfpucheck: fork: %s\n", strerror(errno));
			procs = i;
			stop = 1;
			break;
		}
		if (!pids[i]) {
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			worker(sh, i, deadline, selftest);
		}
	}
	while (!stop && (!deadline || now_s() < deadline))
		usleep(100000);
	for (i = 0; i < procs; i++)
		kill(pids[i], SIGTERM);
	for (i = 0; i < procs; i++)
		waitpid(pids[i], NULL, 0);

	printf("tdfpucheck: procs %ld, seconds %.0f, checks %llu, corrupted %llu\n", procs,
	       now_s() - t0, (unsigned long long)sh->checks, (unsigned long long)sh->corrupted);
	return sh->corrupted ? 1 : 0;
}
