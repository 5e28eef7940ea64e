# expect: popfq
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushfq
	movq	%rdi, (%rsp)
	popfq
	ret
