# expect: runtime variable
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	incq	__svm_hits(%rip)
	rs_ret
