# expect: return address overwritten
# After a dynamic step %rsp is anywhere in a range: 24(%rsp) is a local
# when the array is not empty, and the return address when it is.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	cmpq	$256, %rdi
	ja	2f
	leaq	-16(%rsp), %rsp
	subq	%rdi, %rsp
	movq	%rax, 24(%rsp)
	leave
	rs_ret
2:	pushq	$0
	call	__twin_bug
3:	jmp	3b
