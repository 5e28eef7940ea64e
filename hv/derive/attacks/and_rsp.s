# expect: return
# %rsp realigned (down by 0 to 15 bytes) and never brought back from a
# frame pointer: ret at a run-time depth would take a local for the
# return address.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	andq	$-16, %rsp
	rs_ret
