# expect: return
# A callee that returns another %rbp: its caller's leave would move %rsp
# anywhere.  %rbp is callee-saved: refused at the callee's ret.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	call	g2
	leave
	rs_ret
	.globl	g2
	.type	g2, @function
g2:
	rs_push
	movq	%rdi, %rbp
	rs_ret
