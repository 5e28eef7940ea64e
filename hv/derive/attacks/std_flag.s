# expect: instruction not allowed
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	std
	ret
