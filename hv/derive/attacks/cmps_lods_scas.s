# expect: string instruction
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	repe cmpsb
	lodsq
	repne scasb
	ret
