# expect: return address overwritten
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	addq	$3, (%rsp)
	ret
