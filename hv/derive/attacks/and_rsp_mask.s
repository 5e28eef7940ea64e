# expect: stack pointer
# A realignment mask that is not -2^k: and with -24 clears bits 3 and 4,
# no alignment at all (and not the bound a -2^k mask has).
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	andq	$-24, %rsp
	leave
	rs_ret
