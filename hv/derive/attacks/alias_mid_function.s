# expect: return
# An alias naming an instruction inside a function: entered there with no
# frame, where the function has 8 bytes of it, and past its shadow stack
# push unit (every symbol in code is an entry, which must start with one).
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbx
1:	movq	%rdi, %rbx
	popq	%rbx
	rs_ret
	.globl	g2
	.set	g2, 1b
