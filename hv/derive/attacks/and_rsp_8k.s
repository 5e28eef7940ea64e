# expect: stack pointer
# A realignment to 8 KB: %rsp could move up to 8191 bytes down, past the
# 4 KB frame.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	andq	$-8192, %rsp
	leave
	rs_ret
