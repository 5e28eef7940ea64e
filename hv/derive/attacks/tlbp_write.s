# expect: runtime variable
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rax, __svm_tlbp(%rip)
	rs_ret
