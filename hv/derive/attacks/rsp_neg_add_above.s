# expect: stack pointer
# addq $-8 then addq $16: %rsp above the return address.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	addq	$-8, %rsp
	addq	$16, %rsp
	subq	$8, %rsp
	rs_ret
