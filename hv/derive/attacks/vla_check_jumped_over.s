# expect: stack pointer
# The bound check is there, but another path jumps past it, into the
# middle of the checked sequence, with the amount unchecked.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	testq	%rsi, %rsi
	jne	1f
	cmpq	$256, %rdi
	ja	2f
1:	leaq	-16(%rsp), %rsp
	subq	%rdi, %rsp
	leave
	rs_ret
2:	pushq	$0
	call	__twin_bug
3:	jmp	3b
