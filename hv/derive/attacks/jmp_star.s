# expect: indirect branch
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	jmp	*%rdi
