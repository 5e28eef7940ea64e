# expect: privileged instruction
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%cr3, %rax
	rs_ret
