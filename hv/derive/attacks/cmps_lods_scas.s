# expect: string instruction
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	repe cmpsb
	lodsq
	repne scasb
	rs_ret
