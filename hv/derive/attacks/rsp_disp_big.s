# expect: stack operand
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rax, 0x10000(%rsp)
	ret
