# expect: call target
# The upcall entry reached directly, without a generated stub.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movl	$99, %r11d
	call	__twin_upcall
	ret
