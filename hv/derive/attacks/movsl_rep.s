# expect: string instruction
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	$4, %rcx
	rep movsl
	rs_ret
