# expect: instruction not allowed
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movdqu	%xmm0, (%rsp)
	ret
