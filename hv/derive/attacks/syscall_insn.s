# expect: instruction not allowed
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	syscall
	rs_ret
