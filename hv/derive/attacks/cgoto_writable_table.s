# expect: code address in data
# Label addresses in writable data: in the instance that is the driver
# VM's, which would hold the driver VM's code addresses.
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
	.data
	.p2align 3
	.type	tab, @object
	.size	tab, 8
tab:	.quad	.L1
