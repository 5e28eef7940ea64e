# expect: indirect branch
# The table as a computed goto's, but the jump through it kept: only the
# compare chain's direct jumps may go to its labels.
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
.L1:	jmp	*%rdi
	.size	f, .-f
	.section .rodata
	.p2align 3
	.type	tab, @object
	.size	tab, 8
tab:	.quad	.L1
