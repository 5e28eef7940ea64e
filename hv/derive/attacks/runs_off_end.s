# expect: runs off the end
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rdi, %rax
