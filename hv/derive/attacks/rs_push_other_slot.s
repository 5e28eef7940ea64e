# expect: return
# A push unit that records 8(%rsp), a slot the code can fill, instead of
# the return address.  Not the unit, so the entry has none.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:	movq	__twin_rsp(%rip), %r11
	cmpq	__twin_rs_end(%rip), %r11
	jae	__twin_rs_fail
	movq	8(%rsp), %r10
	movq	%r10, (%r11)
	addq	$8, __twin_rsp(%rip)
	rs_ret
