# expect: call target
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	call	panic
	ret
