# expect: stack operand
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rax, 0x10000(%rsp)
	rs_ret
