# expect: stack pointer
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	xchgq	%rdi, %rsp
	ret
