# expect: call target
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	call	f.cold
	ret
	.section .text.unlikely
f.cold:	ret
