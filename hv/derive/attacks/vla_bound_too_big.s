# expect: stack pointer
# A bound check, but one that lets the frame grow past 4 KB below the
# return address.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	cmpq	$8192, %rdi
	ja	2f
	leaq	-16(%rsp), %rsp
	subq	%rdi, %rsp
	leave
	rs_ret
2:	pushq	$0
	call	__twin_bug
3:	jmp	3b
