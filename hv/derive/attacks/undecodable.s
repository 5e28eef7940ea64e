# expect: undecodable bytes
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	.byte	0xd6
	ret
