# expect: symbolic displacement
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rax, jiffies(%rsp)
	rs_ret
