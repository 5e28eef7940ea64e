/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry trampolines between twinc's rewritten code and the SVM/twin C
 * runtime.  The rewritten code assumes every register and the flags
 * survive these calls (only the documented results change), so each
 * trampoline saves the caller-saved registers and the flags itself and
 * aligns the stack for C.  Each first records the caller's %rsp in
 * __twin_call_sp: the runtime's frames lie below it, and no pointer the
 * instance hands over may reach them (svm_runtime_frame()).
 */
	.text

.macro ENTER
	movq	%rsp, __twin_call_sp(%rip)
.endm

.macro SAVE
	pushfq
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbp
	movq	%rsp, %rbp
	andq	$-16, %rsp
.endm

.macro RESTORE
	movq	%rbp, %rsp
	popq	%rbp
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	popfq
.endm

/* Offsets from %rbp after SAVE: rbp 0, r11 8 .. rax 72, flags 80, ret 88, args 96.. */
#define ARG0	96(%rbp)
#define ARG1	104(%rbp)
#define S_RDI	40(%rbp)
#define S_RSI	48(%rbp)
#define S_RCX	64(%rbp)

/* stack: ret, va, info  ->  va slot := host address */
	.globl	__svm_miss
__svm_miss:
	ENTER
	SAVE
	movq	ARG0, %rdi
	movq	ARG1, %rsi
	call	svm_translate
	movq	%rax, ARG0
	RESTORE
	ret

/*
 * A write thunk's miss.  stack: ret (into the thunk), va, info, then the
 * return address into the site.  As __svm_miss; and if the write went to
 * the bounce buffer (page crossing, host pages not adjacent), the site's
 * return address becomes its fix-up path from __twin_wfix_table ({return
 * address, fix-up} pairs, 0-terminated), which runs the access and then
 * __svm_miss_done.  A site missing from the table is refused.
 */
#define S_SITE	112(%rbp)
	.globl	__svm_wmiss
__svm_wmiss:
	ENTER
	SAVE
	movq	ARG0, %rdi
	movq	ARG1, %rsi
	call	svm_translate
	movq	%rax, ARG0
	call	svm_write_bounced
	testb	%al, %al
	jz	2f
	movq	S_SITE, %rdi
	leaq	__twin_wfix_table(%rip), %rcx
1:	movq	(%rcx), %rdx
	testq	%rdx, %rdx
	jz	3f
	cmpq	%rdx, %rdi
	je	4f
	addq	$16, %rcx
	jmp	1b
4:	movq	8(%rcx), %rdx
	movq	%rdx, S_SITE
	jmp	2f
3:	call	svm_wfix_missing
	movq	%rax, ARG0
2:	RESTORE
	ret

	.globl	__svm_miss_done
__svm_miss_done:
	ENTER
	SAVE
	call	svm_miss_done
	RESTORE
	ret

/* rep stosq: %rdi dst, %rax value, %rcx count; afterwards rdi advanced, rcx 0 */
	.globl	__svm_rep_stosq
__svm_rep_stosq:
	ENTER
	SAVE
	movq	%rcx, %rdx
	movq	%rax, %rsi
	call	svm_rep_stos
	movq	S_RCX, %rcx
	shlq	$3, %rcx
	addq	%rcx, S_RDI
	movq	$0, S_RCX
	RESTORE
	ret

/* rep movsq: %rdi dst, %rsi src, %rcx count */
	.globl	__svm_rep_movsq
__svm_rep_movsq:
	ENTER
	SAVE
	movq	%rcx, %rdx
	call	svm_rep_movs
	movq	S_RCX, %rcx
	shlq	$3, %rcx
	addq	%rcx, S_RDI
	addq	%rcx, S_RSI
	movq	$0, S_RCX
	RESTORE
	ret

/* stack: ret, info (line | flags << 16) */
	.globl	__twin_bug
__twin_bug:
	ENTER
	SAVE
	movq	ARG0, %rdi
	movq	88(%rbp), %rsi
	call	twin_bug
	RESTORE
	ret

/*
 * Indirect call: %r11 holds the driver VM's function pointer.  Only the
 * closure functions in __twin_dispatch_table are reachable; anything else
 * is refused (counted, instance disabled) and the call returns 0.
 */
	.globl	__twin_dispatch
__twin_dispatch:
	leaq	__twin_dispatch_table(%rip), %r10
1:	cmpq	$0, (%r10)
	je	2f
	cmpq	(%r10), %r11
	je	3f
	addq	$16, %r10
	jmp	1b
3:	jmp	*8(%r10)
2:	movq	%r11, %rdi
	jmp	twin_dispatch_refused

/*
 * Bound externals: %r11d = id, arguments in the usual registers.  C gets
 * the id, the six register arguments, and the caller's stack arguments
 * (past the return address: the varargs of a printk-like callee).
 */
	.globl	__twin_upcall
__twin_upcall:
	ENTER
	pushq	%r9
	pushq	%r8
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	movq	%r11, %rdi
	movq	%rsp, %rsi
	leaq	56(%rsp), %rdx
	pushq	%rbp
	movq	%rsp, %rbp
	andq	$-16, %rsp
	call	twin_upcall
	movq	%rbp, %rsp
	popq	%rbp
	addq	$48, %rsp
	ret

	.globl	__twin_denied
__twin_denied:
	movq	%r11, %rdi
	jmp	twin_denied

/*
 * A shadow return stack unit's failure (svm.h), jumped to: the return
 * address in the slot at (%rsp), in %r11 the one the shadow stack holds
 * (or, at an overflow, its free entry).  The runtime ends the entry;
 * nothing returns here.
 */
	.globl	__twin_rs_fail
__twin_rs_fail:
	movq	(%rsp), %rdi
	movq	%r11, %rsi
	andq	$-16, %rsp
	call	twin_return_refused
	ud2
	.section .note.GNU-stack,"",@progbits
