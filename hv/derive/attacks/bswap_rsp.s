# expect: stack pointer
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	bswap	%rsp
	ret
