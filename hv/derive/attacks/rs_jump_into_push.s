# expect: return
# Into the push unit past its bound check: an overflow writes past the
# shadow stack.  A unit with a target inside is no unit, so f's entry
# has none.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	rs_ret
	.globl	g
	.type	g, @function
g:
	rs_push
	jmp	f+20
