# expect: write to read-only data
	.include "shadow.inc"
	.section .rodata
v:	.quad	0
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rax, v(%rip)
	rs_ret
