# expect: code address in data
# A compare chain that does not end in the fatal BUG: not the form whose
# labels a table may hold.
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
