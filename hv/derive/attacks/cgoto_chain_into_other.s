# expect: code address in data
# f's chain jumps into g: a label of another function is not one f's
# table may hold.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	leaq	.L2(%rip), %r10
	cmpq	%r10, %rdi
	je	.L2
	pushq	$0
	call	__twin_bug
1:	jmp	1b
	.size	f, .-f
	.globl	g
	.type	g, @function
g:
	rs_push
	movl	$1, %eax
.L2:	rs_ret
	.size	g, .-g
	.section .rodata
	.p2align 3
	.type	tab, @object
	.size	tab, 8
tab:	.quad	.L2
