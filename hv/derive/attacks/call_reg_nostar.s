# expect: indirect branch
# GAS takes "call %rax" as an indirect call (with a warning).
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	call	%rax
	rs_ret
