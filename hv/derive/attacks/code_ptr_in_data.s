# expect: code address in data
# A fix-up table outside the section the checker expects.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	rs_ret
	.section .rodata.twin_wfix2,"a",@progbits
	.quad	f, f
