# expect: not translated by SVM
# Skip the first half of a probe by jumping into its middle: a unit with a
# label inside is no unit, so its pieces prove nothing and the access is
# refused.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	jmp	2f
	movq	%rdi, %rax
	movq	%rax, %rcx
	shrq	$7, %rcx
	andl	$131040, %ecx
	addq	__svm_tlbp(%rip), %rcx
	subq	16(%rcx), %rax
2:	cmpq	$4088, %rax
	ja	3f
	addq	8(%rcx), %rax
	movq	%rsi, (%rax)
3:	rs_ret
