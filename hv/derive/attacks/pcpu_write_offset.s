# expect: __twin_pcpu_
	.local	__twin_pcpu_x
	.comm	__twin_pcpu_x, 256, 64
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rax, __twin_pcpu_x+256(%rip)
	ret
