# expect: relocation
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	$__svm_tlbp, %rax
	ret
