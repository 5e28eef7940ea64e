# expect: stack pointer
# pop into memory: a write no probe checked.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushq	%rsi
	popq	8(%rdi)
	ret
