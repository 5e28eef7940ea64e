# expect: return address overwritten
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	addq	$3, (%rsp)
	rs_ret
