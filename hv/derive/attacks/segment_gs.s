# expect: segment override
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%gs:0x10, %rax
	ret
