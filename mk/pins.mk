# Versions the testbed is pinned to.  All come from Debian bookworm's main
# archive (the security archive serves no source packages), so the
# hypervisor we build, the toolstack we ship and the kernels agree.
XEN_VERSION      := 4.17.5+72-g01140da4e8-1
KERNEL_ABI       := 6.1.0-50
KERNEL_VERSION   := 6.1.176-1
KERNEL_FLAVOUR   := $(KERNEL_ABI)-amd64
QEMU_VERSION     := 1:7.2+dfsg-7+deb12u18
QEMU_BIN_VERSION := 1:7.2+dfsg-7+deb12u18+b3
IPERF3_VERSION   := 3.12-1+deb12u2
BUSYBOX_VERSION  := 1:1.35.0-4+deb12u1+b1
