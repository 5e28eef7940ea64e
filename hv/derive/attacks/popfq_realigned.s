# expect: popfq
# pushfq, then a realignment: %rsp moved by 0 to 15 bytes, so popfq no
# longer pops what pushfq pushed (it could pop a value a store chose).
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	pushfq
	andq	$-16, %rsp
	popfq
	leave
	rs_ret
