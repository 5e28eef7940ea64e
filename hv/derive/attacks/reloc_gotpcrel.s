# expect: relocation
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	jiffies@GOTPCREL(%rip), %rax
	rs_ret
