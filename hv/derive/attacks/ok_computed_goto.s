# expect: accepted
# A computed goto as twinc derives it: the value compared with each label
# of the function's read-only table, direct jumps only, a fatal BUG if
# none matches; the table's entries are those labels.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	leaq	.L1(%rip), %r10
	cmpq	%r10, %rdi
	je	.L1
	leaq	.L2(%rip), %r10
	cmpq	%r10, %rdi
	je	.L2
	pushq	$0
	call	__twin_bug
1:	jmp	1b
.L1:	movl	$1, %eax
	rs_ret
.L2:	movl	$2, %eax
	rs_ret
	.size	f, .-f
	.section .rodata
	.p2align 3
	.type	tab, @object
	.size	tab, 16
tab:	.quad	.L1, .L2
