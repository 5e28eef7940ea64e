# expect: read outside own data
	.section .rodata
v:	.quad	0
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	v+8(%rip), %rax
	ret
