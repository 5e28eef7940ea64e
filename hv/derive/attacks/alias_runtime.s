# expect: call target
# An alias of the runtime's miss entry, called outside a miss unit.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	call	evil
	ret
	.set	evil, __svm_miss
