# expect: string instruction
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	$4, %rcx
	rep movsl
	ret
