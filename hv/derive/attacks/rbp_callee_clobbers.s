# expect: return
# A callee that returns another %rbp: its caller's leave would move %rsp
# anywhere.  %rbp is callee-saved: refused at the callee's ret.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushq	%rbp
	movq	%rsp, %rbp
	call	g2
	leave
	ret
	.globl	g2
	.type	g2, @function
g2:	movq	%rdi, %rbp
	ret
