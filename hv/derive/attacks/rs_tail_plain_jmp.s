# expect: return
# A tail call by a plain jmp: g records whatever the slot holds now.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	jmp	g
	.globl	g
	.type	g, @function
g:
	rs_push
	rs_ret
