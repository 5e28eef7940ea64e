# expect: branch target
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	call	f+1
	ret
