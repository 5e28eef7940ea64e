# expect: code read as data
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	f(%rip), %rax
	ret
