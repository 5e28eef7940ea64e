# expect: return
# A loop around a pop unit's tail call back to ourselves is fine; a jump
# back to the entry from the body is not (two pushes, one pop).
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	decq	%rdi
	jne	f
	rs_ret
