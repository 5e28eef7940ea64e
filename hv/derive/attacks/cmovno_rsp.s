# expect: stack pointer
# cmovno into %rsp: a conditional, unbounded stack move.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	cmovno	%rdi, %rsp
	rs_ret
