# expect: stack pointer
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushq	%rdi
	popq	%rsp
	ret
