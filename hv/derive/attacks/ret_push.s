# expect: return
# push; ret: an unchecked indirect jump.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rdi
	rs_ret
