# expect: stack pointer
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	subq	$0x100000, %rsp
	addq	$0x100000, %rsp
	ret
