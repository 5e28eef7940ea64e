# expect: stack pointer
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	subq	$0x100000, %rsp
	addq	$0x100000, %rsp
	rs_ret
