# expect: runtime variable
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rax, __svm_tlbp(%rip)
	ret
