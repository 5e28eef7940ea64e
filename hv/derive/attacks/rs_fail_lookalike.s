# expect: runtime variable
# A pop unit whose failure branch goes back into the function instead of
# to the runtime: the ret after it would run on a mismatch too.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	subq	$8, __twin_rsp(%rip)
	movq	__twin_rsp(%rip), %r11
	movq	(%r11), %r11
	cmpq	%r11, (%rsp)
	jne	.Lon
.Lon:	ret
