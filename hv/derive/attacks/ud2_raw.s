# expect: ud2
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	ud2
	ret
