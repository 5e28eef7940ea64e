# expect: string instruction
# An -Os struct copy: movsb with no rep, no probe of %rsi/%rdi.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movsb
	ret
