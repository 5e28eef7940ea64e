# expect: instruction not allowed
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushq	%rbp
	movq	%rsp, %rbp
	leave
	ret
