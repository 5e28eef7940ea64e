# expect: accepted
# An inline probe unit with its miss unit, flags saved around it.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushfq
	leaq	24(%rdi), %rax
	movq	%rax, %rcx
	shrq	$7, %rcx
	andl	$131040, %ecx
	addq	__svm_tlbp(%rip), %rcx
	subq	16(%rcx), %rax
	cmpq	$4092, %rax
	ja	.Lmiss
	addq	8(%rcx), %rax
.Lgo:	popfq
	movl	%esi, (%rax)
	rs_ret
	.section .text.twin_miss,"ax",@progbits
.Lmiss:	addq	16(%rcx), %rax
	pushq	$68
	pushq	%rax
	call	__svm_miss
	popq	%rax
	popq	%rcx
	jmp	.Lgo
