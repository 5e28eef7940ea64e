# expect: return
# push; ret: an unchecked indirect jump.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushq	%rdi
	ret
