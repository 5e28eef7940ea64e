# expect: string instruction
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	rep stosq
	ret
