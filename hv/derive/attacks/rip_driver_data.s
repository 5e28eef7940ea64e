# expect: unprobed driver-VM access
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	jiffies(%rip), %rax
	rs_ret
