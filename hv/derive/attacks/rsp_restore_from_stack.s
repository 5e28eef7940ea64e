# expect: stack pointer
# GCC's DRAP restore, "leaq -8(%r10), %rsp" with %r10 popped from the
# stack: a value read from memory is no frame pointer.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	leaq	8(%rsp), %r10
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%r10
	andq	$-32, %rsp
	leaq	-8(%rbp), %rsp
	popq	%r10
	popq	%rbp
	leaq	-8(%r10), %rsp
	rs_ret
