# expect: leave
# %rbp moved from another register: its value is not the frame's %rsp.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushq	%rbp
	movq	%rsp, %rbp
	movq	%rax, %rbp
	leave
	ret
