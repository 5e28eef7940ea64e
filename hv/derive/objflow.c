// SPDX-License-Identifier: GPL-2.0
/*
 * The machine-code verifier's dataflow (see objverify.c for the rules it
 * serves): per register an unsigned integer range (INT), a pointer with
 * a known accessible window (PTR, from an SVM probe) or a TLB entry
 * (ENT); the stack depth below the return address; the slots holding a
 * pushfq'd value; the last "cmpq $K, %r".  Forward, over fall-through,
 * direct branches, calls returning to the next instruction and the
 * runtime's write fix-up redirect; joins intersect, 16 visits of the
 * target of a branch back widen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "objverify.h"
#include "twinc.h"

#define FRAME_MAX	4096	/* bytes one function may push or allocate */
#define WIDEN_AFTER	16	/* visits of an instruction before widening */
/*
 * Arguments passed on the stack: a function may read this many bytes
 * above its return address (its caller's outgoing arguments; for an entry
 * from Xen, the zeroed area twin_call reserves, hv/xen/entry_asm.S), at
 * constant displacements, and never write them.
 */
#define STACK_ARGS_MAX	64

/* V_FP: %rsp as it was at depth lo (movq %rsp, %rbp); V_CALLER: the
 * value %rbp had at the function's entry, its caller's */
enum { V_UNK, V_INT, V_PTR, V_ENT, V_FP, V_CALLER };

#define RBP		5

struct val {
	uint8_t k, tag;		/* tag: ENT, 0 read or 16 write */
	bool w, hit;		/* PTR writable; ENT from a probe that hit */
	int64_t lo, hi;		/* INT [lo, hi]; PTR [lo, hi) */
};

/* one bit per 8-byte stack slot of a frame of up to FRAME_MAX bytes */
#define NSLOT		(FRAME_MAX / 8 + 1)
struct slots {
	uint64_t w[(NSLOT + 63) / 64];
};

static bool slot_has(const struct slots *b, int k)
{
	return k >= 0 && k < NSLOT && (b->w[k / 64] >> (k % 64) & 1);
}

static void slot_set(struct slots *b, int k)
{
	if (k >= 0 && k < NSLOT)
		b->w[k / 64] |= 1ULL << (k % 64);
}

static void slot_clear(struct slots *b, int k)
{
	if (k >= 0 && k < NSLOT)
		b->w[k / 64] &= ~(1ULL << (k % 64));
}

/* slots k and above are free */
static void slot_release(struct slots *b, int k)
{
	for (; k < NSLOT; k++)
		slot_clear(b, k);
}

/* d &= s; whether d changed */
static bool slot_meet(struct slots *d, const struct slots *s)
{
	bool changed = false;
	unsigned i;

	for (i = 0; i < sizeof(d->w) / sizeof(d->w[0]); i++) {
		changed |= (d->w[i] & s->w[i]) != d->w[i];
		d->w[i] &= s->w[i];
	}
	return changed;
}

/*
 * The depth is exact (depth == dhi) but after a run-time step of %rsp (a
 * bounded "sub %r, %rsp", "and $-2^k, %rsp"), until %rsp comes back from
 * a frame pointer: then %rsp is somewhere in [depth, dhi] below the
 * return address, the same distance from it on every path through
 * constant steps.  So the pushfq'd slots are followed relative to %rsp
 * (slot k: depth 8k as if the depth were its lower bound), the caller's
 * %rbp slot at its exact place (set only at an exact depth).
 */
struct state {
	bool live;
	int depth, dhi;		/* bytes below the return address: [depth, dhi] */
	struct slots fl;	/* slot k (depth 8k) holds a pushfq'd value */
	struct slots cs;	/* slot k holds the caller's %rbp */
	int creg;		/* "cmp $ck, creg" decides the flags, or -1 */
	int64_t ck;
	uint8_t rs;		/* this activation's shadow stack entry: RS_* */
	int room;		/* RS_IN: the stack its push unit checked, bytes */
	struct val r[NREG];
};

/*
 * The shadow return stack (hv/svm/svm.h): at a function's entry the
 * activation has no entry (OUT), its push unit makes one (IN), the pop
 * unit fused with its ret or tail jmp drops it (OUT, and control leaves).
 * Paths that disagree make it BAD, which no unit accepts.
 */
enum { RS_OUT, RS_IN, RS_BAD };

static struct state *S;
static int *work, nwork;
static bool *queued;

static const struct val UNK = { .k = V_UNK };

static struct val v_int(int64_t lo, int64_t hi)
{
	struct val v = { .k = V_INT };

	if (lo < 0 || hi >= (1LL << 40) || lo > hi)
		return UNK;
	v.lo = lo;
	v.hi = hi;
	return v;
}

static struct val v_ptr(int64_t lo, int64_t hi, bool w)
{
	struct val v = { .k = V_PTR };

	if (lo >= hi || lo < -(1LL << 40) || hi > (1LL << 40))
		return UNK;
	v.lo = lo;
	v.hi = hi;
	v.w = w;
	return v;
}

/* a call: translations die (a miss evicts, Xen releases the page) */
static void kill_translations(struct state *st)
{
	int r;

	for (r = 0; r < NREG; r++)
		if (st->r[r].k == V_PTR || st->r[r].k == V_ENT)
			st->r[r] = UNK;
	st->creg = -1;
}

/* %rbp survives: callee-saved, and every function here returns with
 * its caller's (the return rule) */
static void kill_all(struct state *st)
{
	int r;

	for (r = 0; r < NREG; r++)
		if (r != RBP || (st->r[r].k != V_FP && st->r[r].k != V_CALLER))
			st->r[r] = UNK;
	st->creg = -1;
}

static struct val join_val(struct val a, struct val b, bool widen)
{
	struct val v = a;

	if (a.k != b.k)
		return UNK;
	switch (a.k) {
	case V_INT:
		v.lo = a.lo < b.lo ? a.lo : b.lo;
		v.hi = a.hi > b.hi ? a.hi : b.hi;
		if (widen && (v.lo != a.lo || v.hi != a.hi))
			return UNK;
		return v;
	case V_PTR:
		v.lo = a.lo > b.lo ? a.lo : b.lo;
		v.hi = a.hi < b.hi ? a.hi : b.hi;
		v.w = a.w && b.w;
		if (v.lo >= v.hi || (widen && (v.lo != a.lo || v.hi != a.hi || v.w != a.w)))
			return UNK;
		return v;
	case V_ENT:
		if (a.tag != b.tag)
			return UNK;
		v.hit = a.hit && b.hit;
		return v;
	case V_FP:
		return a.lo == b.lo ? v : UNK;
	case V_CALLER:
		return v;
	}
	return UNK;
}

static void flow_to(int t, struct state *st)
{
	struct state *d = &S[t];
	bool changed = false;
	int r;

	if (t < 0)
		return;
	if (I[t].inside)
		refuse("branch target", "inside a probe or miss unit");
	/* the push unit checked this much room: no deeper, a call's return
	 * address included (what runs below that is the runtime's) */
	if (st->rs == RS_IN && st->dhi + 8 > st->room)
		refuse("stack pointer", "%d bytes deep, past the %d its entry checked",
		       st->dhi + 8, st->room);
	if (!d->live) {
		*d = *st;
		d->live = true;
		changed = true;
	} else {
		/* widen only where a cycle closes (a branch back, in the
		 * instructions' order: every cycle has one), so that a range
		 * a check has bounded is not lost at a plain join after it */
		bool widen = ++I[t].visits > WIDEN_AFTER && t <= cur;

		if (d->depth != st->depth || d->dhi != st->dhi) {
			if (d->depth == d->dhi && st->depth == st->dhi) {
				cur = t;
				refuse("stack pointer", "depth differs between paths (%d and %d "
				       "bytes)", d->depth, st->depth);
			}
			/* a run-time depth on some path: the hull; the pushfq'd
			 * slots are %rsp-relative only for one lower bound */
			if (d->depth != st->depth && memcmp(&d->fl, &(struct slots){ { 0 } },
							      sizeof(d->fl))) {
				memset(&d->fl, 0, sizeof(d->fl));
				changed = true;
			}
			if (st->depth < d->depth || st->dhi > d->dhi)
				changed = true;
			d->depth = st->depth < d->depth ? st->depth : d->depth;
			d->dhi = st->dhi > d->dhi ? st->dhi : d->dhi;
		}
		changed |= slot_meet(&d->fl, &st->fl);
		changed |= slot_meet(&d->cs, &st->cs);
		if (d->rs != st->rs && d->rs != RS_BAD) {
			d->rs = RS_BAD;
			changed = true;
		}
		if (st->room < d->room) {
			d->room = st->room;
			changed = true;
		}
		if (d->creg != st->creg || d->ck != st->ck) {
			changed |= d->creg != -1;
			d->creg = -1;
		}
		for (r = 0; r < NREG; r++) {
			struct val v = join_val(d->r[r], st->r[r], widen);

			if (memcmp(&v, &d->r[r], sizeof(v))) {
				d->r[r] = v;
				changed = true;
			}
		}
	}
	if (changed && !queued[t]) {
		queued[t] = true;
		work[nwork++] = t;
	}
}

static bool ranged(const struct state *st)
{
	return st->depth != st->dhi;
}

/* the slots holding any of the bytes [lo, hi) relative to the return
 * address: slot k holds [-8k, -8k+8) */
static void clear_bytes(struct slots *b, int64_t lo, int64_t hi)
{
	int64_t a;

	for (a = lo; a < hi; a += 8)
		if (a < 0 && (-a + 7) / 8 < NSLOT)
			slot_clear(b, (-a + 7) / 8);
	if (hi - 1 < 0 && (-(hi - 1) + 7) / 8 < NSLOT)
		slot_clear(b, (-(hi - 1) + 7) / 8);
}

/* bytes [disp, disp+n) from %rsp written: their slots hold nothing known */
static void write_stack(struct state *st, int64_t disp, int64_t n)
{
	clear_bytes(&st->fl, disp - st->depth, disp - st->depth + n);
	clear_bytes(&st->cs, disp - st->dhi, disp - st->depth + n);
}

/* %rsp exact again at depth d (leave, from a frame pointer): slots below
 * it, and below where it was (they were free), hold nothing known;
 * pushfq'd slots seen at a run-time depth are lost */
static void exact_again(struct state *st, int d)
{
	int keep = d < st->depth ? d : st->depth;

	if (ranged(st))
		memset(&st->fl, 0, sizeof(st->fl));
	slot_release(&st->fl, keep / 8 + 1);
	slot_release(&st->cs, keep / 8 + 1);
	st->depth = st->dhi = d;
}

/*
 * leave: %rsp = %rbp, pop %rbp.  Only with %rbp the frame pointer this
 * function set (movq %rsp, %rbp, nothing writing %rbp since, on every
 * path): then the depth is exact again.
 */
static void step_leave(struct state *st)
{
	struct val *fp = &st->r[RBP];
	int k;

	if (fp->k != V_FP || fp->lo < 8)
		refuse("leave", "%%rbp is not this frame's pointer (movq %%rsp, %%rbp, "
		       "unchanged since, on every path)");
	exact_again(st, fp->lo);
	k = st->depth / 8;
	*fp = slot_has(&st->cs, k) ? (struct val){ .k = V_CALLER } : UNK;
	write_stack(st, 0, 8);
	st->depth = st->dhi = st->depth - 8;
	slot_release(&st->fl, st->depth / 8 + 1);
	slot_release(&st->cs, st->depth / 8 + 1);
	if (st->creg == RBP)
		st->creg = -1;
}

static void check_mem(int i, ZydisDecodedOperand *o, struct state *st)
{
	bool write = o->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE;
	int64_t size = o->size / 8, disp = o->mem.disp.value;
	int b = gpr(o->mem.base), x = gpr(o->mem.index);
	struct val *bv, *xv;
	int64_t lo, hi;

	if (o->mem.type != ZYDIS_MEMOP_TYPE_MEM)
		return;
	if (size <= 0)
		refuse("memory operand", "of no known size");
	if (o->mem.base == ZYDIS_REGISTER_RIP) {
		struct place p;
		struct osec *sc;
		struct osym *y;

		if (!I[i].rdisp || !pcrel(I[i].rdisp))
			refuse("rip-relative operand", "without a symbol");
		p = place_of(I[i].rdisp, field_adj(i, I[i].rdisp));
		if (p.sec < 0) {
			if (!strcmp(p.sym->name, "__twin_vm_percpu_base") && !p.off &&
			    !write && size == 8)
				return;
			if (runtime_var(p.sym->name))
				refuse("runtime variable", "%s%+ld outside a probe unit",
				       p.sym->name, (long)p.off);
			refuse("unprobed driver-VM access", "%s%+ld", p.sym->name, (long)p.off);
		}
		sc = &O.sec[p.sec];
		if (sc->exec)
			refuse("code read as data", "%s+0x%lx", sc->name, (unsigned long)p.off);
		if (sc->write) {
			y = oelf_sym_covering(&O, p.sec, p.off, size);
			if (!y || strncmp(y->name, "__twin_pcpu_", 12))
				refuse("instance data", "%s+0x%lx is no __twin_pcpu_ variable",
				       sc->name, (unsigned long)p.off);
			return;
		}
		if (write)
			refuse("write to read-only data", "%s+0x%lx", sc->name,
			       (unsigned long)p.off);
		if (p.off > sc->sh->sh_size || sc->sh->sh_size - p.off < (uint64_t)size)
			refuse("read outside own data", "%s+0x%lx", sc->name, (unsigned long)p.off);
		return;
	}
	if (o->mem.base == ZYDIS_REGISTER_NONE)
		refuse("absolute memory operand", "0x%lx", (unsigned long)disp);
	if (b < 0)
		refuse("memory operand", "base %s", ZydisRegisterGetString(o->mem.base));
	if (I[i].rdisp)
		refuse("symbolic displacement", "%s on a register base",
		       O.sym[I[i].rdisp->sym].name);
	if (b == RSP) {
		/* [rel, end): every byte the operand may reach, relative to the
		 * return address, over the depth's range and the index's */
		int64_t a = disp, span = size, rel, end;

		/* an index bounded by a check: its whole reach counts */
		if (o->mem.index != ZYDIS_REGISTER_NONE) {
			xv = x >= 0 ? &st->r[x] : NULL;
			if (!xv || xv->k != V_INT)
				refuse("indexed stack operand", "its reach depends on data");
			a += xv->lo * o->mem.scale;
			span += (xv->hi - xv->lo) * o->mem.scale;
		}
		rel = a - st->dhi;
		end = a - st->depth + span;
		if (write && rel < 8 && end > 0)
			refuse("return address overwritten", "write at %+ld from it",
			       (long)(end - size));
		if (span > size && end > (write ? 0 : 8))
			refuse("stack operand", "indexed reach above the frame (%+ld)",
			       (long)(end - size));
		if (rel < -FRAME_MAX)
			refuse("stack operand", "%ld bytes below the frame", (long)-rel);
		if (write && end > 0)
			refuse("stack operand", "write above the frame (%+ld)", (long)(end - size));
		if (end > 8 + STACK_ARGS_MAX)
			refuse("stack operand", "read above the frame and its stack "
			       "arguments (%+ld)", (long)(end - size));
		if (write)
			write_stack(st, a, span);
		return;
	}
	bv = &st->r[b];
	if (bv->k == V_ENT) {
		if (write || o->mem.index != ZYDIS_REGISTER_NONE || size != 8 ||
		    (disp != 0 && disp != 8 && disp != 16))
			refuse("TLB entry access", "only reads of its three words");
		return;
	}
	if (bv->k != V_PTR)
		refuse("memory access not translated by SVM", "base %s is no probed pointer",
		       ZydisRegisterGetString(o->mem.base));
	lo = disp;
	hi = disp + size;
	if (o->mem.index != ZYDIS_REGISTER_NONE) {
		xv = x >= 0 ? &st->r[x] : NULL;
		if (!xv || xv->k != V_INT)
			refuse("memory access outside its SVM window", "index %s unbounded",
			       ZydisRegisterGetString(o->mem.index));
		lo += xv->lo * o->mem.scale;
		hi += xv->hi * o->mem.scale;
	}
	if (lo < bv->lo || hi > bv->hi)
		refuse("memory access outside its SVM window", "[%ld, %ld) not in [%ld, %ld)",
		       (long)lo, (long)hi, (long)bv->lo, (long)bv->hi);
	if (write && !bv->w)
		refuse("write through a read translation", NULL);
}

/* the value an instruction gives its destination, or UNK */
static struct val dest_value(int i, struct state *st)
{
	ZydisDecodedInstruction *d = &I[i].d;
	ZydisDecodedOperand *o = I[i].op;
	int r0 = o[0].type == ZYDIS_OPERAND_TYPE_REGISTER ? gpr(o[0].reg.value) : -1;
	struct val s;
	int64_t imm = o[1].imm.value.s;
	bool has_imm = d->operand_count_visible > 1 &&
		       o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && !I[i].rimm;

	if (r0 < 0)
		return UNK;
	switch (d->mnemonic) {
	case ZYDIS_MNEMONIC_MOV:
		/* %rsp at an exact depth only: a frame pointer to come back to */
		if (reg64(&o[1], RSP) && o[0].size == 64)
			return ranged(st) ? UNK : (struct val){ .k = V_FP, .lo = st->depth };
		if (o[0].size == 64 && o[1].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    o[1].size == 64)
			return st->r[gpr(o[1].reg.value)];
		if (has_imm && o[0].size >= 32)
			return v_int(imm, imm);
		if (o[1].type == ZYDIS_OPERAND_TYPE_MEMORY && o[0].size == 64 &&
		    gpr(o[1].mem.base) >= 0 && o[1].mem.disp.value == 8 &&
		    st->r[gpr(o[1].mem.base)].k == V_ENT && st->r[gpr(o[1].mem.base)].hit)
			return v_ptr(0, 4096, st->r[gpr(o[1].mem.base)].tag == 16);
		return UNK;
	case ZYDIS_MNEMONIC_MOVZX:
		return v_int(0, o[1].size == 8 ? 255 : o[1].size == 16 ? 65535 : -1);
	case ZYDIS_MNEMONIC_AND:
		if (has_imm && o[0].size >= 32 && imm >= 0)
			return st->r[r0].k == V_INT && st->r[r0].hi < imm ?
				st->r[r0] : v_int(0, imm);
		return UNK;
	case ZYDIS_MNEMONIC_ADD:
	case ZYDIS_MNEMONIC_SUB:
		s = st->r[r0];
		if (o[0].size != 64)
			return UNK;
		if (d->mnemonic == ZYDIS_MNEMONIC_ADD && o[1].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    gpr(o[1].mem.base) >= 0 && o[1].mem.disp.value == 8 &&
		    o[1].mem.index == ZYDIS_REGISTER_NONE && s.k == V_INT) {
			struct val *e = &st->r[gpr(o[1].mem.base)];

			if (e->k == V_ENT && e->hit)
				return v_ptr(-s.lo, 4096 - s.hi, e->tag == 16);
			return UNK;
		}
		if (!has_imm)
			return UNK;
		if (d->mnemonic == ZYDIS_MNEMONIC_SUB)
			imm = -imm;
		if (s.k == V_INT)
			return v_int(s.lo + imm, s.hi + imm);
		if (s.k == V_PTR)
			return v_ptr(s.lo - imm, s.hi - imm, s.w);
		return UNK;
	case ZYDIS_MNEMONIC_LEA: {
		int b = gpr(o[1].mem.base), x = gpr(o[1].mem.index);
		int64_t dsp = o[1].mem.disp.value, sc = o[1].mem.scale;
		struct val xv = v_int(0, 0);

		if (o[0].size != 64 || b < 0 || b == RSP || I[i].rdisp)
			return UNK;
		if (o[1].mem.index != ZYDIS_REGISTER_NONE)
			xv = x >= 0 ? st->r[x] : UNK;
		if (xv.k != V_INT)
			return UNK;
		s = st->r[b];
		if (s.k == V_INT && o[1].mem.index == ZYDIS_REGISTER_NONE)
			return v_int(s.lo + dsp, s.hi + dsp);
		if (s.k == V_PTR)
			return v_ptr(s.lo - dsp - xv.lo * sc, s.hi - dsp - xv.hi * sc, s.w);
		return UNK;
	}
	default:
		return UNK;
	}
}

static bool writes_flags(int i)
{
	const ZydisAccessedFlags *f = I[i].d.cpu_flags;

	return f && (f->modified | f->set_0 | f->set_1 | f->undefined);
}

/*
 * %rsp written: push/pop/call/ret, bounded constant steps, and the steps
 * of a frame with a run-time size:
 *	sub %r, %rsp with r INT [a, b]	(a bounded alloca): [depth+a, dhi+b]
 *	and $-2^k, %rsp, 2^k <= 4 KB	(a realignment): [depth, dhi+2^k-1]
 *	mov %rX, %rsp, lea D(%rX), %rsp	with rX FP E: exactly E - D
 * Every depth stays between the return address and 4 KB below it.
 */
static void rsp_write(int i, struct state *st)
{
	ZydisDecodedInstruction *d = &I[i].d;
	ZydisDecodedOperand *o = I[i].op;
	int64_t step, lo, hi;
	struct val *v;
	int x;

	if (!reg64(&o[0], RSP) || d->operand_count_visible != 2)
		goto bad;
	if ((d->mnemonic == ZYDIS_MNEMONIC_ADD || d->mnemonic == ZYDIS_MNEMONIC_SUB) &&
	    o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && !I[i].rimm) {
		/* GCC writes 'addq $-128, %rsp' (-128 fits a byte, 128 does not) */
		step = o[1].imm.value.s;
		if (step < -FRAME_MAX || step > FRAME_MAX)
			goto bad;
		step = d->mnemonic == ZYDIS_MNEMONIC_SUB ? step : -step;
		lo = st->depth + step;
		hi = st->dhi + step;
	} else if (d->mnemonic == ZYDIS_MNEMONIC_LEA && gpr(o[1].mem.base) == RSP &&
		   o[1].mem.index == ZYDIS_REGISTER_NONE && !I[i].rdisp) {
		lo = st->depth - o[1].mem.disp.value;
		hi = st->dhi - o[1].mem.disp.value;
	} else if (d->mnemonic == ZYDIS_MNEMONIC_SUB && reg64(&o[1], gpr(o[1].reg.value)) &&
		   (x = gpr(o[1].reg.value)) != RSP) {
		v = &st->r[x];
		if (v->k != V_INT)
			refuse("stack pointer", "sub of %s, not bounded by a check",
			       ZydisRegisterGetString(o[1].reg.value));
		lo = st->depth + v->lo;
		hi = st->dhi + v->hi;
		if (v->hi > v->lo)	/* %rsp moves from the pushfq'd slots */
			memset(&st->fl, 0, sizeof(st->fl));
	} else if (d->mnemonic == ZYDIS_MNEMONIC_AND &&
		   o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && !I[i].rimm) {
		step = -o[1].imm.value.s;
		if (step <= 0 || (step & (step - 1)) || step > FRAME_MAX)
			refuse("stack pointer", "and with 0x%lx, not -2^k (k <= 12)",
			       (unsigned long)o[1].imm.value.u);
		lo = st->depth;
		hi = st->dhi + step - 1;
		if (step > 1)
			memset(&st->fl, 0, sizeof(st->fl));
	} else if ((d->mnemonic == ZYDIS_MNEMONIC_MOV &&
		    o[1].type == ZYDIS_OPERAND_TYPE_REGISTER && o[1].size == 64) ||
		   (d->mnemonic == ZYDIS_MNEMONIC_LEA &&
		    o[1].mem.index == ZYDIS_REGISTER_NONE && !I[i].rdisp)) {
		x = gpr(d->mnemonic == ZYDIS_MNEMONIC_MOV ? o[1].reg.value : o[1].mem.base);
		v = x >= 0 && x != RSP ? &st->r[x] : NULL;
		if (!v || v->k != V_FP)
			refuse("stack pointer", "%%rsp from a register that is no frame "
			       "pointer (movq %%rsp, %%rX at an exact depth)");
		lo = v->lo - (d->mnemonic == ZYDIS_MNEMONIC_LEA ? o[1].mem.disp.value : 0);
		if (lo < 0 || lo > FRAME_MAX)
			refuse("stack pointer", "moved %s the frame (depth %ld)",
			       lo < 0 ? "above" : "too far below", (long)lo);
		exact_again(st, lo);
		return;
	} else {
		goto bad;
	}
	if (lo < 0 || hi > FRAME_MAX)
		refuse("stack pointer", "moved %s the frame (depth %ld)",
		       lo < 0 ? "above" : "too far below", (long)(lo < 0 ? lo : hi));
	st->depth = lo;
	st->dhi = hi;
	return;
bad:
	refuse("stack pointer", "%s writes %%rsp other than by a bounded step",
	       ZydisMnemonicGetString(d->mnemonic));
}

static void bound(struct state *st, int64_t h)
{
	struct val *v = &st->r[st->creg];

	if (h < 0)
		return;
	if (v->k == V_INT)
		*v = v_int(v->lo < h ? v->lo : h, v->hi < h ? v->hi : h);
	else if (v->k == V_UNK)
		*v = v_int(0, h);
}

static void step_call(int i, struct state *st)
{
	struct osym *ext;
	struct thunk *th;
	struct osym *f;
	int t = branch_target(i, &ext), n = i + 1;

	write_stack(st, -8, 8);
	if (ext) {
		if (!callable_external(ext->name))
			refuse("call target", "%s is not allowed by the policy", ext->name);
		if (saving_runtime(ext->name)) {
			kill_translations(st);
			if (!strncmp(ext->name, "__svm_rep_", 10))
				st->r[1] = st->r[6] = st->r[7] = UNK;
		} else {
			kill_all(st);
		}
	} else if ((th = thunk_at(I[t].sec, I[t].off))) {
		int r;

		kill_translations(st);
		for (r = 0; r < NREG; r++)
			if (th->clobbers & (1u << r))
				st->r[r] = UNK;
		st->r[th->a] = v_ptr(0, th->size, th->write);
		if (n < NI && I[n].fixup >= 0)
			flow_to(I[n].fixup, st);
	} else {
		f = oelf_sym_at(&O, I[t].sec, I[t].off);
		if (!f || !I[t].entry || in_section(t, ".text.twin_miss"))
			refuse("call target", "not a function start");
		kill_all(st);
	}
}

/*
 * A thunk's effect on its caller (its register, its clobbers) is read off
 * its own bytes: control must not leave them but by its ret and its miss
 * unit's runtime call.
 */
static void thunk_confined(int i, int t)
{
	struct thunk *th = thunk_of(i);

	if (!th)
		return;
	if (t < 0 || thunk_of(t) != th)
		refuse("thunk", "control leaves the thunk");
}

/* leaving by ret: the caller's return address on top, its %rbp kept */
static void check_return(struct state *st)
{
	if (ranged(st))
		refuse("return", "at a run-time depth (%d to %d bytes): the return "
		       "address is not known to be the caller's", st->depth, st->dhi);
	if (st->depth)
		refuse("return", "with %d bytes still on the stack: the return "
		       "address is not the caller's", st->depth);
	/* %rbp is callee-saved: a caller's frame pointer must survive */
	if (st->r[RBP].k != V_CALLER)
		refuse("return", "with %%rbp not the caller's (callee-saved)");
}

/* leaving by a tail call: the same, the callee returns for us */
static void check_tail(struct state *st)
{
	if (st->dhi)
		refuse("stack pointer", "tail call with %d bytes of frame", st->dhi);
	if (st->r[RBP].k != V_CALLER)
		refuse("return", "tail call with %%rbp not the caller's");
}

/*
 * The shadow stack's units.  Push: only at the activation's start (OUT,
 * nothing on the stack but the return address).  Pop: only with the
 * activation's entry on it (IN); then the way out, as above.
 */
static void step_rs_unit(int i, struct state *st)
{
	struct unit *u = &U[i];
	struct osym *ext;
	int t;

	st->r[11] = UNK;
	st->creg = -1;
	if (u->kind == UK_RS_PUSH) {
		if (st->rs != RS_OUT || st->depth || ranged(st))
			refuse("return", "shadow stack push unit not at a function's start");
		st->r[10] = UNK;
		st->rs = RS_IN;
		st->room = u->k;
		return;
	}
	if (st->rs != RS_IN)
		refuse("return", "shadow stack pop unit without this activation's entry");
	st->rs = RS_OUT;
	if (u->ret) {
		check_return(st);
		return;
	}
	cur = i + 5;
	t = branch_target(i + 5, &ext);
	check_tail(st);
	if (ext) {
		if (!callable_external(ext->name))
			refuse("call target", "%s is not allowed by the policy", ext->name);
		return;
	}
	if (!I[t].entry || thunk_of(t))
		refuse("return", "tail call to no function's start");
	flow_to(t, st);
}

static void step(int i)
{
	struct state st = S[i], tk;
	ZydisDecodedInstruction *d = &I[i].d;
	struct unit *u = &U[i];
	struct osym *ext;
	struct thunk *th;
	int k, t, next = i + 1;
	bool falls = true, caller_pop = false, stub = in_section(i, ".text.twin_stubs");
	struct val nv;
	int r0;

	cur = i;
	if (u->kind == UK_RS_PUSH || u->kind == UK_RS_POP) {
		step_rs_unit(i, &st);
		if (u->kind == UK_RS_POP)
			return;
		next = i + I[i].unit;
		goto fall;
	}
	if (u->kind == UK_MISS) {		/* miss unit */
		if (st.dhi + 24 > FRAME_MAX)
			refuse("stack pointer", "too deep");
		write_stack(&st, -24, 24);
		kill_translations(&st);
		st.r[u->a] = v_ptr(0, u->info & 63, u->info & 64);
		st.r[u->b] = UNK;
		next = i + 5;
		goto fall;
	}
	if (u->kind == UK_PROBE) {
		tk = st;
		tk.r[u->a] = UNK;
		tk.r[u->b] = (struct val){ .k = V_ENT, .tag = u->tag };
		tk.creg = -1;
		thunk_confined(i, u->jmp);
		flow_to(u->jmp, &tk);
		st.r[u->a] = v_int(0, u->k);
		st.r[u->b] = (struct val){ .k = V_ENT, .tag = u->tag, .hit = true };
		st.creg = -1;
		next = i + I[i].unit;
		goto fall;
	}
	if (d->mnemonic == ZYDIS_MNEMONIC_LEAVE) {
		step_leave(&st);
		goto fall;
	}
	for (k = 0; k < d->operand_count; k++) {
		ZydisDecodedOperand *o = &I[i].op[k];

		if (o->type != ZYDIS_OPERAND_TYPE_MEMORY)
			continue;
		if (o->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN) {
			if (gpr(o->mem.base) == RSP &&
			    (d->meta.category == ZYDIS_CATEGORY_PUSH ||
			     d->meta.category == ZYDIS_CATEGORY_POP ||
			     d->meta.category == ZYDIS_CATEGORY_CALL ||
			     d->meta.category == ZYDIS_CATEGORY_RET))
				continue;
			refuse("implicit memory operand", "%s", ZydisMnemonicGetString(d->mnemonic));
		}
		/* thunks and stubs return by a plain ret (through a slot no code
		 * between their caller's call and their ret may write) */
		if (stub)
			refuse("stub", "a memory operand in a stub");
		if (thunk_of(i) && (o->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
			refuse("thunk", "writes memory");
		/* no access: a hint never faults nor changes memory */
		if (d->meta.category == ZYDIS_CATEGORY_NOP ||
		    d->meta.category == ZYDIS_CATEGORY_WIDENOP ||
		    d->meta.category == ZYDIS_CATEGORY_PREFETCH)
			continue;
		if (d->meta.category == ZYDIS_CATEGORY_PUSH || d->meta.category == ZYDIS_CATEGORY_POP)
			refuse("stack pointer", "push/pop of a memory operand");
		check_mem(i, o, &st);
	}
	if (stub && d->meta.category == ZYDIS_CATEGORY_CALL)
		refuse("stub", "a call in a stub");
	/* nor may a stub jump anywhere but to the runtime: code it reached
	 * could write the slot its plain ret then returns through */
	if (stub && (d->meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
		     d->meta.category == ZYDIS_CATEGORY_COND_BR) && branch_target(i, &ext) >= 0)
		refuse("stub", "a jump inside the instance");
	/* bt* with a register bit offset reaches past its operand */
	if (d->meta.category == ZYDIS_CATEGORY_BITBYTE &&
	    I[i].op[0].type == ZYDIS_OPERAND_TYPE_MEMORY &&
	    I[i].op[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
		struct val *v = &st.r[gpr(I[i].op[1].reg.value)];

		if (v->k != V_INT || v->hi >= I[i].op[0].size)
			refuse("memory access outside its SVM window", "bit offset unbounded");
	}
	switch (d->meta.category) {
	case ZYDIS_CATEGORY_CALL:
		if (thunk_of(i))
			refuse("thunk", "calls other than its miss unit's");
		step_call(i, &st);
		goto fall;
	case ZYDIS_CATEGORY_UNCOND_BR:
		t = branch_target(i, &ext);
		if (ext) {
			/* a stub's jump to the runtime, which returns for it */
			if (!stub ||
			    (strcmp(ext->name, "__twin_upcall") && strcmp(ext->name, "__twin_denied")))
				refuse("return", "tail call to %s without the shadow stack's "
				       "check (pop unit)", ext->name);
			check_tail(&st);
		} else if (I[t].entry) {
			refuse("return", "jump to a function without the shadow stack's "
			       "check (pop unit)");
		}
		thunk_confined(i, t);
		flow_to(t, &st);
		return;
	case ZYDIS_CATEGORY_COND_BR:
		t = branch_target(i, &ext);
		if (ext)
			refuse("call target", "conditional jump out of the object");
		if (I[t].entry)
			refuse("return", "conditional jump to a function (a tail call "
			       "without the shadow stack's check)");
		tk = st;
		if (st.creg >= 0) {
			switch (d->mnemonic) {
			case ZYDIS_MNEMONIC_JNBE: bound(&st, st.ck); break;
			case ZYDIS_MNEMONIC_JBE: bound(&tk, st.ck); break;
			case ZYDIS_MNEMONIC_JB: bound(&tk, st.ck - 1); break;
			case ZYDIS_MNEMONIC_JNB: bound(&st, st.ck - 1); break;
			default: break;
			}
		}
		thunk_confined(i, t);
		flow_to(t, &tk);
		goto fall;
	case ZYDIS_CATEGORY_RET:
		/* only thunks and stubs return but by the pop unit: both
		 * entered by a call, neither calling nor writing memory */
		if (!thunk_of(i) && !stub)
			refuse("return", "without the shadow stack's check (pop unit)");
		if (st.rs != RS_OUT)
			refuse("return", "a plain ret after a shadow stack push unit");
		check_return(&st);
		th = thunk_of(i);
		if (th) {
			struct val *v = &st.r[th->a];

			if (v->k != V_PTR || v->lo > 0 || v->hi < th->size || (th->write && !v->w))
				refuse("thunk", "returns %s unchecked by a probe",
				       ZydisRegisterGetString(ZYDIS_REGISTER_RAX + th->a));
		}
		return;
	case ZYDIS_CATEGORY_PUSH:
		if (d->operand_width != 64)
			refuse("stack pointer", "push of %d bits", d->operand_width);
		st.depth += 8;
		st.dhi += 8;
		if (st.dhi > FRAME_MAX)
			refuse("stack pointer", "too deep");
		write_stack(&st, 0, 8);
		if (d->mnemonic == ZYDIS_MNEMONIC_PUSHFQ)
			slot_set(&st.fl, st.depth / 8);
		if (reg64(&I[i].op[0], RBP) && st.r[RBP].k == V_CALLER && !ranged(&st))
			slot_set(&st.cs, st.depth / 8);
		break;
	case ZYDIS_CATEGORY_POP:
		if (d->operand_width != 64)
			refuse("stack pointer", "pop of %d bits", d->operand_width);
		if (d->mnemonic == ZYDIS_MNEMONIC_POPFQ &&
		    !slot_has(&st.fl, st.depth / 8))
			refuse("popfq", "of a value pushfq did not push");
		caller_pop = reg64(&I[i].op[0], RBP) && !ranged(&st) &&
			     slot_has(&st.cs, st.depth / 8);
		write_stack(&st, 0, 8);
		st.depth -= 8;
		st.dhi -= 8;
		if (st.depth < 0)
			refuse("stack pointer", "pop above the return address");
		break;
	default:
		break;
	}
	/* registers: the destination's new value, everything else written unknown */
	nv = dest_value(i, &st);
	r0 = I[i].op[0].type == ZYDIS_OPERAND_TYPE_REGISTER ? gpr(I[i].op[0].reg.value) : -1;
	if (d->mnemonic == ZYDIS_MNEMONIC_CMP && r0 >= 0 && I[i].op[0].size == 64 &&
	    I[i].op[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && !I[i].rimm) {
		st.creg = r0;
		st.ck = I[i].op[1].imm.value.s;
	} else if (writes_flags(i)) {
		st.creg = -1;
	}
	for (k = 0; k < d->operand_count; k++) {
		ZydisDecodedOperand *o = &I[i].op[k];
		int r;

		if (o->type != ZYDIS_OPERAND_TYPE_REGISTER ||
		    !(o->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) || (r = gpr(o->reg.value)) < 0)
			continue;
		if (r == RSP) {
			if (o->visibility != ZYDIS_OPERAND_VISIBILITY_HIDDEN ||
			    (d->meta.category != ZYDIS_CATEGORY_PUSH &&
			     d->meta.category != ZYDIS_CATEGORY_POP))
				rsp_write(i, &st);
			continue;
		}
		st.r[r] = UNK;
		if (st.creg == r)
			st.creg = -1;
	}
	if (r0 >= 0 && r0 != RSP && (I[i].op[0].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
		st.r[r0] = nv;
	if (caller_pop)
		st.r[RBP] = (struct val){ .k = V_CALLER };
fall:
	if (!falls)
		return;
	if (next >= NI || I[next].sec != I[i].sec)
		refuse("runs off the end of its section", NULL);
	thunk_confined(i, next);
	flow_to(next, &st);
}

static void seed(int i, bool entry)
{
	memset(&S[i], 0, sizeof(S[i]));
	S[i].live = true;
	S[i].creg = -1;
	if (entry)		/* a function's entry: %rbp is its caller's */
		S[i].r[RBP] = (struct val){ .k = V_CALLER };
	else
		S[i].rs = RS_BAD;
	queued[i] = true;
	work[nwork++] = i;
}

static void drain(void)
{
	while (nwork) {
		int i = work[--nwork];

		queued[i] = false;
		step(i);
	}
}

/*
 * Entry points (every symbol in code) start knowing nothing; then code
 * nothing reaches is judged the same way, one piece at a time, so that
 * it can weaken what it jumps into no more than it must.
 */
void objflow_run(void)
{
	int i;

	nwork = 0;
	S = calloc(NI, sizeof(*S));
	work = malloc(NI * sizeof(int));
	queued = calloc(NI, sizeof(bool));
	for (i = 0; i < NI; i++)
		if (I[i].entry) {
			cur = i;
			if (U[i].kind != UK_RS_PUSH && !thunk_of(i) &&
			    !in_section(i, ".text.twin_stubs"))
				refuse("return", "function entry without the shadow stack's "
				       "push unit");
			seed(i, true);
		}
	drain();
	for (i = 0; i < NI; i++) {
		/* alignment padding does nothing wherever it falls */
		if (S[i].live || I[i].inside || I[i].d.meta.category == ZYDIS_CATEGORY_NOP ||
		    I[i].d.meta.category == ZYDIS_CATEGORY_WIDENOP)
			continue;
		seed(i, false);
		drain();
	}
}
