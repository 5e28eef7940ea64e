# expect: read outside own data
	.include "shadow.inc"
	.section .rodata
v:	.quad	0
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	v+8(%rip), %rax
	rs_ret
