# expect: segment override
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%gs:0x10, %rax
	rs_ret
