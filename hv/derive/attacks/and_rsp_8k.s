# expect: stack pointer
# A realignment to 8 KB: %rsp could move up to 8191 bytes down, past the
# 4 KB frame.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushq	%rbp
	movq	%rsp, %rbp
	andq	$-8192, %rsp
	leave
	ret
