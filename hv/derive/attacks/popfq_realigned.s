# expect: popfq
# pushfq, then a realignment: %rsp moved by 0 to 15 bytes, so popfq no
# longer pops what pushfq pushed (it could pop a value a store chose).
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushq	%rbp
	movq	%rsp, %rbp
	pushfq
	andq	$-16, %rsp
	popfq
	leave
	ret
