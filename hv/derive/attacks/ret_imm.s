# expect: return
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	ret	$8
