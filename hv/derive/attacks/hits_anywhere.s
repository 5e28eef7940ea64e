# expect: runtime variable
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	incq	__svm_hits(%rip)
	ret
