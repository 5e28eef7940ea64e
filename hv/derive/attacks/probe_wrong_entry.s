# expect: not translated by SVM
# The entry chosen from one address, the access made through another.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, %rax
	movq	%rax, %rcx
	shrq	$7, %rcx
	andl	$131040, %ecx
	addq	__svm_tlbp(%rip), %rcx
	subq	16(%rcx), %rax
	cmpq	$4088, %rax
	ja	1f
	movq	%rsi, (%rdx)
1:	rs_ret
