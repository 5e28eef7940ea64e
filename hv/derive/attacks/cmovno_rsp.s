# expect: stack pointer
# cmovno into %rsp: a conditional, unbounded stack move.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	cmovno	%rdi, %rsp
	ret
