# expect: return
# A second push unit deeper in the frame records a value of our choosing
# (the pushed %rdi) as the return address the pop unit will accept.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rdi
	rs_push
	popq	%rdi
	rs_ret
