# expect: code address in data
# One table holding labels of two functions, each tested by its own
# function's chain: f's table must hold f's labels only.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	leaq	.L1(%rip), %r10
	cmpq	%r10, %rdi
	je	.L1
	pushq	$0
	call	__twin_bug
1:	jmp	1b
.L1:	movl	$1, %eax
	rs_ret
	.size	f, .-f
	.globl	g
	.type	g, @function
g:
	rs_push
	leaq	.L2(%rip), %r10
	cmpq	%r10, %rdi
	je	.L2
	pushq	$0
	call	__twin_bug
2:	jmp	2b
.L2:	movl	$2, %eax
	rs_ret
	.size	g, .-g
	.section .rodata
	.p2align 3
	.type	tab, @object
	.size	tab, 16
tab:	.quad	.L1, .L2
