# expect: call target
# An alias of the runtime's miss entry, called outside a miss unit.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	call	evil
	rs_ret
	.set	evil, __svm_miss
