# expect: write to read-only data
	.section .rodata
v:	.quad	0
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rax, v(%rip)
	ret
