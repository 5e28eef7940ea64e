# expect: __twin_pcpu_ symbol
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	ret
__twin_pcpu_evil:
	ret
