# expect: thunk
	.include "shadow.inc"
	.section .text.twin_thunks,"ax",@progbits
helper:	ret
	.text
	.globl	f
f:
	rs_push
	rs_ret
