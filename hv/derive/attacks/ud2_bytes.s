# expect: ud2
# BUG as .byte: the bytes are what runs.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	.byte	0x0f, 0x0b
	rs_ret
