# expect: undecodable bytes
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	.byte	0xd6
	rs_ret
