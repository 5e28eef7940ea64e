# expect: stack pointer
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	andq	$-16, %rsp
	ret
