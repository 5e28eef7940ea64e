# expect: stack pointer
# %rsp saved in %rbx before a dynamic step and restored from it after a
# call: the callee may have changed %rbx (only %rbp is checked to be
# callee-saved), so %rbx is no frame pointer any more.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%rbx
	movq	%rsp, %rbx
	cmpq	$256, %rdi
	ja	2f
	leaq	-16(%rsp), %rsp
	subq	%rdi, %rsp
	call	f
	movq	%rbx, %rsp
	popq	%rbx
	popq	%rbp
	rs_ret
2:	pushq	$0
	call	__twin_bug
3:	jmp	3b
