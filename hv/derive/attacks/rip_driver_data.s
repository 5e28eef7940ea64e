# expect: unprobed driver-VM access
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	jiffies(%rip), %rax
	ret
