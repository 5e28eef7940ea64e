# expect: return
# %rbp restored from another register's slot.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushq	%rbp
	pushq	%rdi
	popq	%rbp
	popq	%rdi
	ret
