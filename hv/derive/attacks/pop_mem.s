# expect: stack pointer
# pop into memory: a write no probe checked.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rsi
	popq	8(%rdi)
	rs_ret
