# expect: return
# A tail call to a bound function by a plain jmp: it returns through a
# slot nobody checked.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	jmp	napi_gro_receive
