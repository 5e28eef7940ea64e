# expect: stack pointer
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	xaddq	%rdi, %rsp
	ret
