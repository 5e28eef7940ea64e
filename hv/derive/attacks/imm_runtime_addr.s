# expect: relocation
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	$__svm_tlbp, %rax
	rs_ret
