# expect: executable section
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	ret
	.pushsection .data.x, "awx"
	ret
	.popsection
