# expect: code address in data
# A table entry in the middle of a function, at an instruction no compare
# chain tests (here the access right after a probe).
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
.L2:	rs_ret
	.size	f, .-f
	.section .rodata
	.p2align 3
	.type	tab, @object
	.size	tab, 16
tab:	.quad	.L1, .L2
