/* SPDX-License-Identifier: GPL-2.0 */
/*
 * twinc: derive a hypervisor instance from a driver's GCC x86-64 assembly.
 *
 * The pipeline is parse -> closure -> rewrite -> verify -> emit; each stage
 * lives in its own file.  Everything works on one array of statements (a
 * source line may hold several: "1: lock; orb $4,(%rdi)").
 */
#ifndef TWINC_H
#define TWINC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_OPS 3

enum op_kind { OP_NONE, OP_REG, OP_IMM, OP_MEM, OP_SYM };

struct operand {
	enum op_kind kind;
	bool star;		/* "*" of an indirect call/jump */
	char seg[4];		/* "gs", "fs" or "" */
	char disp[128];		/* displacement expression, may be "" */
	int base, index;	/* register numbers, -1 if none; REG_RIP for rip */
	int scale;
	int reg, width;		/* OP_REG: register number and width (bytes) */
	bool high;		/* OP_REG: %ah/%ch/%dh/%bh, bits 8-15 of reg */
	char text[160];		/* OP_IMM / OP_SYM: the expression */
};

enum stmt_kind { ST_LABEL, ST_DIR, ST_INSN };

struct stmt {
	enum stmt_kind kind;
	int line;		/* 1-based source line */
	int section;		/* index into the section table */
	char name[128];		/* label name, directive name or mnemonic */
	const char *args;	/* directive arguments (raw, any length); "" */
	char prefix[16];	/* "lock", "rep", "repe", "repne" or "" */
	int nops;
	struct operand op[MAX_OPS];
	const struct isa *isa;	/* instruction properties */
	bool in_app;		/* between #APP and #NO_APP (inline asm) */
	int pushdepth;		/* >0 inside .pushsection ... .popsection */
	int func;		/* function region index or -1 */
	bool cg_target;		/* a label a computed goto may jump to */
};

/* Instruction properties (isa.c). */
enum {
	I_FR	= 1 << 0,	/* reads flags */
	I_FW	= 1 << 1,	/* writes every flag (kills liveness) */
	I_DSTW	= 1 << 2,	/* last operand is written only */
	I_DSTRW	= 1 << 3,	/* last operand is read and written */
	I_IMPL	= 1 << 4,	/* implicit register operands */
	I_JMP	= 1 << 5,	/* unconditional jump */
	I_JCC	= 1 << 6,	/* conditional jump */
	I_CALL	= 1 << 7,
	I_RET	= 1 << 8,
	I_PRIV	= 1 << 9,	/* privileged: never in a hypervisor instance */
	I_NOMEM	= 1 << 10,	/* memory operand is an address only (lea, prefetch) */
	I_STR	= 1 << 11,	/* string operation (movs/stos/...) */
	I_PUSHPOP = 1 << 12,
};

struct isa {
	const char *name;
	unsigned flags;
};

const struct isa *isa_lookup(const char *mnemonic, int *opsize);

/* Registers: 0..15 are the GPRs in encoding order; REG_RIP is rip. */
#define REG_RIP 16
#define REG_RSP 4
#define REG_RBP 5
int reg_parse(const char *s, int *width);
bool reg_is_high(const char *s);
const char *reg_name(int reg, int width);

struct section {
	char name[128];
	bool text, ro;
};

struct func {
	char name[128];
	int first, last;	/* statement index range (inclusive) */
	bool in_closure;
	int parent;		/* for "f.cold": index of f, else -1 */
	int *cgt, ncgt;		/* computed goto: the labels (statements) the
				 * read-only tables of f and f.cold name */
};

struct program {
	const char *path;
	int nlines;
	struct stmt *st;
	int nst, cap;
	struct section sec[64];
	int nsec;
	struct func *fn;
	int nfn;
};

/* Policy (policy.c). */
enum bind { B_NONE, B_HV, B_UPCALL, B_STUB, B_DENY };
enum pcpu { P_VM = 1, P_HV };

struct pentry {
	char name[128];
	int kind;		/* 'r' root, 'i' indirect target, 'e' extern, 'p' percpu */
	int bind;		/* enum bind or enum pcpu */
	int line;
	bool used;
	bool noreturn;		/* extern ... noreturn: the call never returns */
};

struct policy {
	const char *path;
	struct pentry *e;
	int n;
};

int policy_load(struct policy *p, const char *path);
struct pentry *policy_find(struct policy *p, int kind, const char *name);

int asm_parse(struct program *p, const char *path);
int parse_operand(const char *s, struct operand *o);
int find_func(struct program *p, const char *name);
int count_closure(struct program *p);
#include <stdio.h>
void closure_print(struct program *p, FILE *f);
bool is_local_label(const char *s);
bool alias_args(const char *args, char *a, char *b, size_t n);

/* GAS numeric labels ("1:", referenced as "1b"/"1f"): only inline asm uses them. */
static inline bool isdigit_label(const char *s)
{
	return s[0] >= '0' && s[0] <= '9';
}

/* Closure and flow (closure.c, flow.c). */
int closure_compute(struct program *p, struct policy *pol);
int label_stmt(struct program *p, const char *name);
bool flags_live_in(struct program *p, int i);
extern int flow_why;	/* statement that made the last walk conservative */
bool reg_dead_after(struct program *p, int i, int reg);
bool reg_dead_at(struct program *p, int j, int reg);
int stack_depth_at(struct program *p, int i);
bool is_cgoto(struct program *p, const struct stmt *s);
int cgoto_tables(struct program *p);

/*
 * The stack at each statement of a function, before it runs (flow.c):
 * bytes below the return address, exact or, after a run-time step (a
 * variable-length array, alloca, a realignment), a range; and which
 * registers hold %rsp as it was at an exact depth (sv[REG_RBP]: the
 * frame pointer).  A dynamic "subq %r, %rsp" counts for dyn bytes plus
 * the VLA_PAD twinc puts above it.  *fail: the statement where the depth
 * could no longer be told, or -1 (then only what came before is known).
 */
#define TWIN_FRAME_MAX	4096	/* bytes a function may push or allocate */
#define TWIN_FRAME_MARGIN 256	/* of them, kept for twinc's own pushes */
/* twinc's own pushes in a frame of known depth (scratch registers, flags,
 * a loop window's saved registers), for the stack room a function checks */
#define TWIN_PUSH_MARGIN 64
#define VLA_PAD		16	/* below the fixed frame, above a dynamic area */
struct frame {
	int lo, hi;		/* depth in [lo, hi]; lo < 0: not reached */
	bool ranged;		/* a run-time step on some path since an exact depth */
	int sv[16];		/* depth whose %rsp the register holds, or -1 */
};
const struct frame *stack_frames(struct program *p, int i, int dyn, int *fail);
int mem_operand(const struct stmt *s);
int operand_size(const struct stmt *s, int opsize);
/* Does the operand name reg: as a register, or as a memory operand's base or index? */
bool operand_mentions_reg(const struct operand *o, int reg);
bool stmt_mentions_reg(const struct stmt *s, int reg);

/* Rewrite and verify. */
struct stats {
	int mem_sites, stack_sites, rodata_sites, percpu_vm, percpu_hv;
	int flags_saved, scratch_pushed, rep_sites, lock_sites;
	int bug_sites, jump_labels, icalls, ext_calls, rodata_lea;
	int vla_sites, cgotos;	/* bounded dynamic steps of %rsp, computed gotos */
	int rs_entries, rs_exits;	/* shadow return stack push and pop units */
	int insns_in, insns_out;
	int groups, group_accesses;
	int thunk_sites, thunks;
	int windows, window_accesses;	/* loop windows (bases), accesses */
	int tgroups, tgroup_accesses;	/* runs probed once through a thunk */
	bool count_hits;	/* the probes increment __svm_hits */
};

enum { THUNKS_OFF, THUNKS_OUTSIDE_LOOPS, THUNKS_ALL };

struct options {
	bool test_mode;		/* keep writable data (host differential tests) */
	bool quiet;
	bool passthrough;	/* closure as is (code-growth baseline) */
	bool no_groups;		/* one probe per access, no group probes */
	int thunks;		/* read probes out of line: THUNKS_* */
	bool count_hits;	/* incq __svm_hits on every probe's hit path */
	bool no_windows;	/* no loop windows: a probe per access in loops */
};

/* The shadow return stack's units (shadow.c). */
bool shadow_entry_label(struct program *p, int i);
bool shadow_tail_target(struct program *p, const char *t);
int shadow_room(struct program *p, int i);
void shadow_push(FILE *out, int room);
int shadow_exit(FILE *out, const char *insn, const char *target, int site);

int rewrite_emit(struct program *p, struct policy *pol, struct options *opt,
		 const char *out, struct stats *st);
int verify_file(const char *path, struct policy *pol, int *naccess);
int manifest_write(const char *path, struct program *p, struct policy *pol,
		   struct stats *st, int verified, double secs,
		   const char *input, long in_bytes, long out_bytes,
		   const char *derived);
int symbols_write(FILE *f, const char *derived, struct policy *pol);

void err_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The software TLB geometry shared with hv/svm/svm.h. */
#define SVM_TLB_BITS	12
#define SVM_PAGE_SHIFT	12
#define SVM_ENTRY_SHIFT	5	/* 32-byte entries: tag, host, wtag, pad */
#define SVM_WTAG	"16"	/* offset of the write tag in an entry */
#define SVM_HITS	"__svm_hits"	/* u64 counter of TLB hits (--count-hits) */

#endif
