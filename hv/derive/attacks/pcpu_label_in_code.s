# expect: __twin_pcpu_ symbol
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	rs_ret
__twin_pcpu_evil:
	rs_ret
