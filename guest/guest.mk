# Guest side: the sysroot of Debian packages, the CPU accounting tool and
# the three initramfs images (native, dom0 with domU inside, domU).

SYSROOT   := $(BUILD)/sysroot
IMAGES    := $(BUILD)/images
DEB_CACHE := $(CACHE)/debs
KERNEL    := $(IMAGES)/vmlinuz

# Re-extracted only when the package list or the pins change.
$(SYSROOT)/.packages: guest/packages.list mk/pins.mk guest/fetch-debs.sh | $(HOST_DEPS)
	@XEN_VERSION='$(XEN_VERSION)' KERNEL_VERSION='$(KERNEL_VERSION)' \
	 KERNEL_ABI='$(KERNEL_ABI)' IPERF3_VERSION='$(IPERF3_VERSION)' \
	 BUSYBOX_VERSION='$(BUSYBOX_VERSION)' \
	 guest/fetch-debs.sh guest/packages.list $(DEB_CACHE) $(SYSROOT)

sysroot: $(SYSROOT)/.packages
.PHONY: sysroot

$(KERNEL): $(SYSROOT)/.packages
	@mkdir -p $(@D)
	@cp $(SYSROOT)/boot/vmlinuz-$(KERNEL_FLAVOUR) $@

# tdcpu: one source, two backends (Xen's counters in dom0, /proc/stat in
# the native guest), built against the sysroot's libxen-dev and libraries
# so the binary matches the toolstack shipped beside it.
TDCPU_SRC    := guest/tools/tdcpu
TDCPU_CFLAGS := -O2 -Wall -Wextra -Werror
TDCPU_XEN_LDFLAGS := -L$(SYSROOT)/usr/lib/x86_64-linux-gnu \
	-Wl,-rpath-link,$(SYSROOT)/usr/lib/x86_64-linux-gnu

$(BUILD)/guest/tdcpu-xen: $(TDCPU_SRC)/tdcpu.c $(TDCPU_SRC)/cpu_xen.c $(TDCPU_SRC)/cpu.h $(SYSROOT)/.packages
	@echo "  CC     $@"
	@mkdir -p $(@D)
	@$(CC) $(TDCPU_CFLAGS) -I$(SYSROOT)/usr/include -o $@ \
		$(TDCPU_SRC)/tdcpu.c $(TDCPU_SRC)/cpu_xen.c $(TDCPU_XEN_LDFLAGS) -lxenctrl

$(BUILD)/guest/tdcpu-linux: $(TDCPU_SRC)/tdcpu.c $(TDCPU_SRC)/cpu_procstat.c $(TDCPU_SRC)/cpu.h
	@echo "  CC     $@"
	@mkdir -p $(@D)
	@$(CC) $(TDCPU_CFLAGS) -static -o $@ $(TDCPU_SRC)/tdcpu.c $(TDCPU_SRC)/cpu_procstat.c

# tdmemcheck: fills fresh memory with a pattern and checks it (a detector
# of writes into pages their owner freed); static, it runs in any guest.
$(BUILD)/guest/tdmemcheck: guest/tools/tdmemcheck/tdmemcheck.c
	@echo "  CC     $@"
	@mkdir -p $(@D)
	@$(CC) $(TDCPU_CFLAGS) -static -o $@ $<

# tdfpucheck: processes that keep known values in the vector registers
# across kernel entries and check them (a detector of FPU state switched
# wrongly; the platform's lazy-FPU bug, qemu-e1000-tracing/patches/0006).
$(BUILD)/guest/tdfpucheck: guest/tools/tdfpucheck/tdfpucheck.c
	@echo "  CC     $@"
	@mkdir -p $(@D)
	@$(CC) $(TDCPU_CFLAGS) -static -o $@ $<

# tdpattern: a known byte stream over TCP both ways, every byte checked
# (a server in every guest, port 5301; the peer's side runs on the host).
$(BUILD)/guest/tdpattern: guest/tools/tdpattern/tdpattern.c
	@echo "  CC     $@"
	@mkdir -p $(@D)
	@$(CC) $(TDCPU_CFLAGS) -static -o $@ $<

$(BUILD)/bin/tdpattern: $(BUILD)/guest/tdpattern
	@mkdir -p $(@D)
	@cp $< $@

# tdvif: a user-space netfront in the domU for tests of malformed requests
# (its own vif, its own rings), against the sysroot's Xen headers.
$(BUILD)/guest/tdvif: guest/tools/tdvif/tdvif.c $(SYSROOT)/.packages
	@echo "  CC     $@"
	@mkdir -p $(@D)
	@$(CC) $(TDCPU_CFLAGS) -static -I$(SYSROOT)/usr/include -o $@ $<

# twinctl: loads, attaches and inspects the instance from dom0.
TWINCTL := $(BUILD)/guest/twinctl
$(TWINCTL): $(wildcard guest/tools/twinctl/*.c guest/tools/twinctl/*.h) guest/twin/twin_ioctl.h hv/xen/public/twin.h
	@echo "  CC     $@"
	@mkdir -p $(@D)
	@$(CC) -O2 -Wall -Wextra -Werror -static -Iguest/twin -Ihv/xen -o $@ \
		$(filter %.c,$^)

MKIMAGE := guest/mkimage.sh
IMAGE_DEPS = $(MKIMAGE) $(SYSROOT)/.packages $(shell find guest/images/common guest/images/$(1) -type f)

$(IMAGES)/native.img: $(call IMAGE_DEPS,native) $(BUILD)/guest/tdcpu-linux $(BUILD)/guest/tdpattern
	@mkdir -p $(@D)
	@$(MKIMAGE) guest/images/native $(SYSROOT) $(KERNEL_ABI) $@ \
		$(BUILD)/guest/tdcpu-linux=bin/tdcpu $(BUILD)/guest/tdpattern=bin/tdpattern

$(IMAGES)/domU.img: $(call IMAGE_DEPS,domU) $(BUILD)/guest/tdfpucheck $(BUILD)/guest/tdpattern \
		$(BUILD)/guest/tdvif
	@mkdir -p $(@D)
	@$(MKIMAGE) guest/images/domU $(SYSROOT) $(KERNEL_ABI) $@ \
		$(BUILD)/guest/tdfpucheck=bin/tdfpucheck $(BUILD)/guest/tdpattern=bin/tdpattern \
		$(BUILD)/guest/tdvif=bin/tdvif

# dom0 runs the project's e1000 and e1000e (the VM instances, with the twin
# hooks) in place of Debian's, the twin module, twinctl and the derived
# instance.
DOM0_MODDIR := lib/modules/$(KERNEL_FLAVOUR)

$(BUILD)/guest/e1000.ko: $(E1000_VM)/e1000.ko
	@mkdir -p $(@D)
	@strip --strip-debug -o $@ $<

$(BUILD)/guest/e1000e.ko: $(E1000E_VM)/e1000e.ko
	@mkdir -p $(@D)
	@strip --strip-debug -o $@ $<

$(BUILD)/guest/twin.ko: $(TWIN_MOD)
	@mkdir -p $(@D)
	@strip --strip-debug -o $@ $<

$(BUILD)/guest/xen-netback.ko: $(NETBACK_KO)
	@mkdir -p $(@D)
	@strip --strip-debug -o $@ $<

$(IMAGES)/dom0.img: $(call IMAGE_DEPS,dom0) $(BUILD)/guest/tdcpu-xen $(BUILD)/guest/tdmemcheck \
		$(BUILD)/guest/tdfpucheck $(BUILD)/guest/tdpattern $(BUILD)/bin/tdpattern \
		$(IMAGES)/domU.img $(KERNEL) \
		$(BUILD)/guest/e1000.ko $(BUILD)/guest/e1000e.ko $(BUILD)/guest/twin.ko \
		$(BUILD)/guest/xen-netback.ko $(TWINCTL) $(PAYLOAD) $(PAYLOAD_E1000E) $(PAYLOAD_BAD) \
		$(PAYLOAD_E1000E_BAD)
	@mkdir -p $(@D)
	@$(MKIMAGE) guest/images/dom0 $(SYSROOT) $(KERNEL_ABI) $@ \
		$(BUILD)/guest/tdcpu-xen=bin/tdcpu $(BUILD)/guest/tdmemcheck=bin/tdmemcheck \
		$(BUILD)/guest/tdfpucheck=bin/tdfpucheck $(BUILD)/guest/tdpattern=bin/tdpattern \
		$(KERNEL)=boot/vmlinuz $(IMAGES)/domU.img=boot/domU.img \
		$(BUILD)/guest/e1000.ko=$(DOM0_MODDIR)/kernel/drivers/net/ethernet/intel/e1000/e1000.ko \
		$(BUILD)/guest/e1000e.ko=$(DOM0_MODDIR)/kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko \
		$(BUILD)/guest/twin.ko=$(DOM0_MODDIR)/extra/twin.ko \
		$(BUILD)/guest/xen-netback.ko=$(DOM0_MODDIR)/kernel/drivers/net/xen-netback/xen-netback.ko \
		$(TWINCTL)=bin/twinctl $(PAYLOAD)=lib/twin/e1000_twin.livepatch \
		$(PAYLOAD_E1000E)=lib/twin/e1000e_twin.livepatch \
		$(PAYLOAD_BAD)=lib/twin/e1000_bad-interface.livepatch \
		$(PAYLOAD_E1000E_BAD)=lib/twin/e1000e_bad-interface.livepatch

images: $(KERNEL) $(IMAGES)/native.img $(IMAGES)/dom0.img $(IMAGES)/domU.img
.PHONY: images

# dom0's whole side of TwinDrivers: the twin module, twinctl and the payloads
# they load (hv/payload).
twin-dom0: $(TWIN_MOD) $(TWINCTL) $(PAYLOAD) $(PAYLOAD_E1000E)
.PHONY: twin-dom0
