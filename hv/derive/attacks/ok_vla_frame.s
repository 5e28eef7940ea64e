# expect: accepted
# A variable-length array as twinc derives it: the run-time amount bounded
# right before the dynamic step, the pad, stores at the run-time depth,
# flags kept around them (pushfq'd at a range), %rsp back from the frame
# pointer, the caller's %rbp popped, ret at depth 0.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%rbx
	leaq	15(,%rdi,8), %rax
	andq	$-16, %rax
	cmpq	$2048, %rax
	ja	2f
	leaq	-16(%rsp), %rsp
	subq	%rax, %rsp
	movq	%rdi, (%rsp)
	cmpq	$3, %rdi
	pushfq
	movq	%rdi, 8(%rsp)
	popfq
	setb	%al
	andq	$-64, %rsp
	movb	%al, (%rsp)
	leaq	-8(%rbp), %rsp
	popq	%rbx
	popq	%rbp
	rs_ret
2:	pushq	$0
	call	__twin_bug
3:	jmp	3b
	.size	f, .-f
