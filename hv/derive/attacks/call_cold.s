# expect: call target
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	call	f.cold
	rs_ret
	.section .text.unlikely
f.cold:	rs_ret
