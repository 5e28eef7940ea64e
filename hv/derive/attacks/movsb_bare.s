# expect: string instruction
# An -Os struct copy: movsb with no rep, no probe of %rsi/%rdi.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movsb
	rs_ret
