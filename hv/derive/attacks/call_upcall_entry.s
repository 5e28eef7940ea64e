# expect: call target
# The upcall entry reached directly, without a generated stub.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movl	$99, %r11d
	call	__twin_upcall
	rs_ret
