# expect: indirect branch
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	ljmp	*(%rax)
