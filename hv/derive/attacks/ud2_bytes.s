# expect: ud2
# BUG as .byte: the bytes are what runs.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	.byte	0x0f, 0x0b
	ret
