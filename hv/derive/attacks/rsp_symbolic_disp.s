# expect: symbolic displacement
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rax, jiffies(%rsp)
	ret
