# expect: stack pointer
# An alias naming an instruction inside a function: entered there with no
# frame, where the function has 8 bytes of it.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushq	%rbx
1:	movq	%rdi, %rbx
	popq	%rbx
	ret
	.globl	g2
	.set	g2, 1b
