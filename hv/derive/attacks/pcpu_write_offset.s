# expect: __twin_pcpu_
	.include "shadow.inc"
	.local	__twin_pcpu_x
	.comm	__twin_pcpu_x, 256, 64
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rax, __twin_pcpu_x+256(%rip)
	rs_ret
