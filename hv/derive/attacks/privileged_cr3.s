# expect: privileged instruction
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%cr3, %rax
	ret
