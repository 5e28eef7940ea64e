# expect: return
# %rbp restored from another register's slot.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	pushq	%rdi
	popq	%rbp
	popq	%rdi
	rs_ret
