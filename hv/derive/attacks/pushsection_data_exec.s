# expect: executable section
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	rs_ret
	.pushsection .data.x, "awx"
	ret
	.popsection
