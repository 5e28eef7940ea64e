# expect: accepted
# twinc's form of a local array whose index starts below its displacement
# (40(%rsp,%rdi,8) for t[5] at 32(%rsp), the index from -1): the index is
# moved by 5 for the check and the access, whose displacement moves by
# -40, and moved back after it.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	subq	$72, %rsp
	leaq	5(%rdi), %rdi
	cmpq	$8, %rdi
	ja	2f
	movq	0(%rsp,%rdi,8), %rax
	leaq	-5(%rdi), %rdi
2:	addq	$72, %rsp
	rs_ret
