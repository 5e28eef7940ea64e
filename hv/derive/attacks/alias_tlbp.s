# expect: instance data
# The TLB pointer's name given to the instance's own data: a probe through
# it is no probe (its entries would be the attacker's).
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	leaq	24(%rdi), %rax
	movq	%rax, %rcx
	shrq	$7, %rcx
	andl	$131040, %ecx
	addq	__svm_tlbp(%rip), %rcx
	subq	16(%rcx), %rax
	cmpq	$4092, %rax
	ja	1f
	addq	8(%rcx), %rax
	movl	%esi, (%rax)
1:	rs_ret
	.data
fake_tlb:
	.quad	0
	.set	__svm_tlbp, fake_tlb
