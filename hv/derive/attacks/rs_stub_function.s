# expect: stub
# Code hidden among the stubs, which return by a plain ret: it calls a
# function that may write its return address, then returns through it.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	call	__stub_x
	rs_ret
	.section .text.twin_stubs,"ax",@progbits
__stub_x:
	call	f
	ret
