# expect: runtime variable
# Straight to the ret of a pop unit, past its compare: with a target
# inside it is no unit, and its instructions touch the runtime's stack.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	testq	%rdi, %rdi
	jne	.Lret
	rs_pop
.Lret:	ret
