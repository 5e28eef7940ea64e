# expect: return address overwritten
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rdi, (%rsp)
	ret
