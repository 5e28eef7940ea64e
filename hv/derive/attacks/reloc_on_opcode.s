# expect: relocation
# A relocation that patches an opcode byte at load time.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	nop
	ret
	.reloc	f, R_X86_64_32, jiffies
