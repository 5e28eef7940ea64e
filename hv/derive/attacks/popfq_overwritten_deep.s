# expect: popfq
# The pushfq'd slots are followed over the whole 4 KB frame (they were 64
# slots, 512 bytes): a slot overwritten 3 KB down is still seen.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	subq	$3000, %rsp
	pushfq
	movq	%rdi, (%rsp)
	popfq
	addq	$3000, %rsp
	rs_ret
