// SPDX-License-Identifier: GPL-2.0
/*
 * Differential corpus for twinc: each t_* exercises operand forms the e1000
 * fast path uses.  Built twice (as is, and rewritten by twinc for SVM) and
 * run by harness.c; every report() line must be identical.  Only memory the
 * harness maps into SVM may be touched; t_refuse is the exception on
 * purpose.
 */
#include "corpus.h"

void report(const char *name, unsigned long value);
void forbidden(void);

struct item {
	unsigned int id;
	unsigned short len;
	unsigned char flags, pad;
	unsigned long bytes;
	struct item *next;
};

static unsigned long counters[16];
static unsigned int hits;
unsigned long global_total;
static const unsigned int weights[8] = { 3, 1, 4, 1, 5, 9, 2, 6 };

/* base + index*scale + disp, struct fields of every width, linked lists */
static __attribute__((noinline)) unsigned long t_struct(struct item *it, int n)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		it[i].id = i * 7 + 1;
		it[i].len = (unsigned short)(i * 3);
		it[i].flags = (unsigned char)(i & 0x5a);
		it[i].bytes = (unsigned long)i << 33;
		it[i].next = i + 1 < n ? &it[i + 1] : 0;
	}
	for (struct item *p = it; p; p = p->next)
		sum += p->id + p->len + p->flags + (p->bytes >> 30);
	for (i = 0; i < n; i++)
		sum ^= (unsigned long)it[i ^ 3 < n ? i ^ 3 : i].len << (i & 15);
	return sum;
}

/* rip-relative and absolute symbol+index operands */
static __attribute__((noinline)) unsigned long t_globals(const unsigned char *b, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		counters[b[i] & 15] += weights[b[i] & 7];
		hits++;
	}
	global_total += hits;
	return counters[3] * 131 + counters[11] + hits + global_total;
}

/* lock-prefixed atomics and bit operations with register bit offsets */
static __attribute__((noinline)) unsigned long t_atomics(unsigned long *w, long nr)
{
	unsigned long old, r = 0;
	unsigned int *c = (unsigned int *)&w[8];

	__atomic_fetch_add(&w[0], 5, __ATOMIC_SEQ_CST);
	r += __atomic_add_fetch(&w[1], 7, __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&w[2], 0x30, __ATOMIC_SEQ_CST);
	__atomic_fetch_and(&w[2], ~0x10UL, __ATOMIC_SEQ_CST);
	old = 9;
	r += __atomic_compare_exchange_n(&w[3], &old, 11, 0, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST);
	r += __atomic_exchange_n(&w[4], 42, __ATOMIC_SEQ_CST);
	__atomic_fetch_sub(c, 1, __ATOMIC_SEQ_CST);
	/* set_bit/clear_bit/test_bit as the kernel writes them */
	asm volatile("lock btsq %1, %0" : "+m"(w[0]) : "r"(nr) : "memory");
	asm volatile("lock btrq %1, %0" : "+m"(w[0]) : "r"(nr + 2) : "memory");
	asm volatile("lock btsl %1, %0" : "+m"(*(unsigned int *)&w[6]) : "r"((int)nr) : "memory");
	{
		unsigned char bit;

		asm volatile("btq %2, %1; setc %0" : "=qm"(bit) : "m"(w[0]), "r"(nr) : "cc");
		r += bit;
	}
	asm volatile("lock incl %0" : "+m"(*c));
	return r + w[0] + w[1] + w[2] + w[3] + w[4] + w[5] + w[6] + w[7] + *c;
}

/* rep stosq / rep movsq, as memset/memcpy of aligned blocks */
static __attribute__((noinline)) unsigned long t_string(unsigned long *dst,
							unsigned long *src, unsigned long n)
{
	unsigned long sum = 0, i;
	unsigned long *d = dst, *s = src, cnt = n;

	asm volatile("rep stosq" : "+D"(d), "+c"(cnt) : "a"(0x1122334455667788UL) : "memory");
	for (i = 0; i < n; i++)
		src[i] = i * 0x9e3779b97f4a7c15UL;
	d = dst + 1;
	cnt = n - 1;
	asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(cnt) : : "memory");
	for (i = 0; i < n; i++)
		sum = sum * 31 + dst[i];
	return sum + (unsigned long)(d - dst) + cnt;
}

/* flags live across memory operands: add/adc chains, cmov, setcc */
static __attribute__((noinline)) unsigned long t_flags(unsigned __int128 *v, int n,
						       unsigned int *a)
{
	unsigned __int128 acc = 0;
	unsigned long r = 0;
	int i;

	for (i = 0; i < n; i++)
		acc += v[i];
	for (i = 0; i < n; i++) {
		unsigned int x = a[i];

		r += x > a[(i + 1) % n] ? a[(i + 2) % n] : x;
		a[(i + 3) % n] = x == 0x55 || a[i ^ 1] < x;
	}
	return (unsigned long)acc ^ (unsigned long)(acc >> 64) ^ r;
}

/* accesses that straddle a page boundary, reads and read-modify-writes */
static __attribute__((noinline)) unsigned long t_cross(unsigned char *page2)
{
	unsigned char *p = page2 - 3;
	unsigned long r = 0;

	*(volatile unsigned int *)(page2 - 2) = 0xa1b2c3d4;
	*(volatile unsigned long *)(page2 - 5) = 0x0102030405060708UL;
	r += *(volatile unsigned short *)(page2 - 1);
	r += *(volatile unsigned int *)p;
	*(volatile unsigned int *)p += 0x10101;
	r += *(volatile unsigned long *)(page2 - 7);
	__atomic_fetch_add((unsigned int *)(page2 - 2), 3, __ATOMIC_RELAXED);
	r ^= *(volatile unsigned long *)(page2 - 4);
	return r;
}

/* reads of one object, the same way whether it straddles a page or not */
static __attribute__((noinline)) unsigned long t_fields(const unsigned char *o)
{
	unsigned long r = *(const volatile unsigned short *)o;

	r += *(const volatile unsigned int *)(o + 2) * 3;
	return r ^ *(const volatile unsigned short *)(o + 6) * 5;
}

/*
 * Accesses whose instructions name the thunks' own registers, %r10 and
 * %r11: as a base, as a destination, read beside the memory operand,
 * stored.
 */
static __attribute__((noinline)) unsigned long t_scratch(unsigned long *p)
{
	unsigned long a, b;

	asm volatile("movq	%2, %%r10\n\t"
		     "movq	8(%%r10), %%r11\n\t"	/* base %r10 (live after), into %r11 */
		     "movq	32(%%r10), %%r10\n\t"	/* base and destination %r10 */
		     "addq	16(%2), %%r10\n\t"		/* reads %r10 beside its operand */
		     "movq	%%r10, 24(%2)\n\t"	/* stores %r10 */
		     "addq	(%2), %%r11\n\t"		/* reads %r11 beside its operand */
		     "movq	(%2), %%r10\n\t"		/* into %r10, which the thunk clobbers */
		     "addq	%%r10, %%r11\n\t"
		     "movq	%%r11, %0\n\t"
		     "movq	%%r10, %1"
		     : "=&r"(a), "=&r"(b) : "r"(p) : "r10", "r11", "memory");
	return a * 3 + b + p[3];
}

/* indirect calls through function pointers held in (SVM) memory */
struct ops {
	unsigned long (*op)(unsigned long a, unsigned long b);
	unsigned long bias;
};

__attribute__((noinline)) unsigned long op_mix(unsigned long a, unsigned long b)
{
	return a * 33 + b;
}

__attribute__((noinline)) unsigned long op_xor(unsigned long a, unsigned long b)
{
	return (a ^ b) + hits;
}

static __attribute__((noinline)) unsigned long t_indirect(struct ops *o, int n)
{
	unsigned long r = 1;
	int i;

	o[0].op = op_mix;
	o[1].op = op_xor;
	for (i = 0; i < n; i++)
		r = o[i & 1].op(r, o[i & 1].bias + i);
	return r;
}

/* memory-heavy: a descriptor ring walk like e1000's clean_rx, and a sum */
struct desc {
	unsigned long addr;
	unsigned short length, csum;
	unsigned char status, errors;
	unsigned short special;
};

struct buf {
	unsigned long dma;
	unsigned int len;
	unsigned int seq;
};

__attribute__((noinline)) unsigned long t_memheavy(struct desc *ring, struct buf *bi,
						   unsigned char *data, int n, int rounds)
{
	unsigned long total = 0;
	int r, i, j;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++) {
			ring[i].addr = bi[i].dma = (unsigned long)(i * 2048 + r);
			ring[i].length = (unsigned short)(60 + ((i * 13 + r) & 1023));
			ring[i].status = (i + r) & 3 ? 3 : 0;
			ring[i].errors = 0;
		}
		for (i = 0; i < n; i++) {
			struct desc *d = &ring[i];

			if (!(d->status & 1))
				continue;
			bi[i].len = d->length;
			bi[i].seq += 1;
			total += d->length + bi[i].dma;
			d->status = 0;
		}
		for (j = 0; j < 4096; j += 4)
			total += *(unsigned int *)(data + j) ^ (unsigned int)r;
	}
	return total;
}

__attribute__((noinline)) unsigned long op_evil(unsigned long a, unsigned long b)
{
	return a + b + 0xe;
}

/* an indirect call to a function the policy does not list: refused */
__attribute__((noinline)) unsigned long t_badcall(struct ops *o)
{
	unsigned long (*f)(unsigned long, unsigned long);

	o->op = op_evil;
	o->bias = 5;
	/* reload the pointer from memory so GCC cannot call op_evil directly */
	f = *(unsigned long (*volatile *)(unsigned long, unsigned long))&o->op;
	return f(1, o->bias) + 100;
}

/*
 * Jump labels as x86 Linux 6.1 emits them (asm goto + __jump_table entry
 * "key + branch - ."; bit 1 of the addend marks the jmp form).  Unpatched
 * code behaves as its initial form; twinc's rewrite tests the key.
 */
struct static_key {
	int enabled;
};

struct static_key key_on = { 1 }, key_off = { 0 };

#define JUMP_ENTRY(form)						\
	"1: " form "\n\t"						\
	".pushsection __jump_table, \"aw\"\n\t"				\
	".balign 8\n\t"							\
	".long 1b - .\n\t"						\
	".long %l[l_yes] - .\n\t"					\
	".quad %c0 + %c1 - .\n\t"					\
	".popsection\n\t"

#define NOP5 ".byte 0x0f,0x1f,0x44,0x00,0x00"

static __attribute__((always_inline)) inline int sb_nop(struct static_key *k, const int br)
{
	asm goto(JUMP_ENTRY(NOP5) : : "i"(k), "i"(br) : : l_yes);
	return 0;
l_yes:
	return 1;
}

static __attribute__((always_inline)) inline int sb_jmp(struct static_key *k, const int br)
{
	asm goto(JUMP_ENTRY("jmp %l[l_yes]") : : "i"(k), "i"(2 | br) : : l_yes);
	return 0;
l_yes:
	return 1;
}

/* only the cases where the unpatched code matches the key's state */
__attribute__((noinline)) unsigned long t_jumplabel(void)
{
	return sb_nop(&key_off, 0) | sb_jmp(&key_on, 0) << 1 |
	       sb_nop(&key_on, 1) << 2 | sb_jmp(&key_off, 1) << 3 | 0x10;
}

/* a key enabled after the code was built: only the rewrite sees it */
__attribute__((noinline)) unsigned long t_jumplabel_flip(void)
{
	key_off.enabled = 1;
	return sb_nop(&key_off, 0) | sb_jmp(&key_off, 1) << 1;
}

/* WARN_ON as the kernel emits it: ud2 bytes plus a __bug_table entry */
__attribute__((noinline)) unsigned long t_warn(unsigned long x)
{
	if (x > 3)
		asm volatile("1:\t.byte 0x0f, 0x0b\n"
			     ".pushsection __bug_table,\"aw\"\n"
			     "2:\t.long 1b - .\n\t.long 0\n"
			     "\t.word 321\n\t.word 1\n\t.org 2b+12\n"
			     ".popsection");
	return x + 1;
}

/* calls a function the policy binds "deny": refused at run time */
__attribute__((noinline)) unsigned long t_deny(void)
{
	forbidden();
	return 7;
}

/* read, then write, a page mapped read-only: the write must be refused
 * even though the read went through the same page */
__attribute__((noinline)) unsigned long t_rowrite(unsigned int *p)
{
	unsigned int v = *(volatile unsigned int *)p;

	*(volatile unsigned int *)p = v + 1;
	return v + *(volatile unsigned int *)p;
}

/*
 * A read caches a read-only page in the TLB with its write tag invalid; a
 * write through a non-canonical address with the same TLB index (only the
 * rewrite can be run with one: the CPU faults) must not reach the page.
 */
__attribute__((noinline)) unsigned long t_alias(unsigned int *ro, unsigned int *alias)
{
	unsigned int v = *(volatile unsigned int *)ro;

	*(volatile unsigned int *)alias = v + 1;
	return v;
}

/* touches memory the harness did not map: must be refused under SVM */
__attribute__((noinline)) unsigned long t_refuse(unsigned long *secret)
{
	unsigned long v = *secret;

	*secret = 0xbad;
	return v;
}

void twin_run(struct env *e)
{
	report("struct", t_struct((struct item *)e->arena, 40));
	report("globals", t_globals(e->arena + 1031, 3000));
	report("atomics", t_atomics((unsigned long *)(e->arena + 4096), e->nr));
	report("string", t_string((unsigned long *)(e->arena + 8192),
				  (unsigned long *)(e->arena + 8192 + 2048), 200));
	report("flags", t_flags((unsigned __int128 *)(e->arena + 12288), 50,
				(unsigned int *)(e->arena + 12288 + 1024)));
	report("cross", t_cross(e->arena + 5 * 4096));
	report("fields", t_fields(e->arena + 12 * 4096 - 5) * 7 +
			 t_fields(e->arena + 12 * 4096 + 100));
	report("scratch", t_scratch((unsigned long *)(e->arena + 11 * 4096 + 8)));
	report("indirect", t_indirect((struct ops *)(e->arena + 6 * 4096 + 64), 25));
	report("jumplabel", t_jumplabel());
	report("memheavy", t_memheavy((struct desc *)(e->arena + 7 * 4096),
				      (struct buf *)(e->arena + 8 * 4096),
				      e->arena + 10 * 4096, 256, e->rounds));
}
