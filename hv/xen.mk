# Xen 4.17 from Debian's source package, built with Debian's kconfig plus
# the testbed's settings (hv/xen.config), into build/xen.
#
# The source is downloaded once into $(CACHE)/src/xen and unpacked into
# build/src/xen with Debian's patches applied; hv/patches/series
# (TwinDrivers' hooks) goes on top (mk/debian.mk).  Stamps make
# a second build with nothing changed a no-op for make and quick for Xen's
# own make.

XEN_DSC     := $(CACHE)/src/xen/xen_$(XEN_VERSION).dsc
XEN_SRC     := $(BUILD)/src/xen
XEN_BIN     := $(BUILD)/xen/xen

# Fetch, unpack, Debian's patches, then hv/patches/series (mk/debian.mk).
$(eval $(call debian_source,xen,$(XEN_VERSION),$(XEN_DSC),$(XEN_SRC),hv/patches/series))

$(XEN_SRC)/xen/.config: $(XEN_SRC)/.unpacked hv/xen.config
	@echo "  CONFIG  xen (debian/xen-kconfig + hv/xen.config)"
	@cat $(XEN_SRC)/debian/xen-kconfig hv/xen.config > $@
	@$(MAKE) -s -C $(XEN_SRC)/xen olddefconfig XEN_TARGET_ARCH=x86_64 >/dev/null
	@for opt in $$(grep -o '^CONFIG_[A-Z0-9_]*=n' hv/xen.config | cut -d= -f1); do \
		if grep -q "^$$opt=y" $@; then echo "error: $$opt stayed on in xen/.config" >&2; exit 1; fi; \
	done

# The TwinDrivers runtime goes into the tree as xen/arch/x86/twin/ (hv/xen,
# the SVM core it shares with the host tests, the dom0 layouts it needs),
# its hooks header as xen/include/xen/twin_hooks.h.  cp -p keeps the
# sources' times, so Xen's make recompiles only what changed.
TWIN_RT_DIR  := $(XEN_SRC)/xen/arch/x86/twin
TWIN_RT_SRC  := $(filter-out hv/xen/twin_hooks.h,$(wildcard hv/xen/*.c hv/xen/*.S hv/xen/*.h)) \
	hv/xen/Makefile hv/svm/svm.c hv/svm/svm.h hv/svm/svm_port.h
TWIN_OFFSETS_DIR := $(BUILD)/twin/offsets
TWIN_OFFSETS := $(TWIN_OFFSETS_DIR)/twin_offsets.h

# dom0's layouts the support code needs, from hv/xen/layouts/offsets.c and
# dom0's pinned kernel headers: asm-offsets, the kernel's way (kbuild
# compiles offsets.c to assembly and each "->SYM value" marker becomes a
# #define).
$(TWIN_OFFSETS): hv/xen/layouts/offsets.c $(KHDR)/Makefile
	@echo "  KBUILD  $@"
	@rm -rf $(TWIN_OFFSETS_DIR) && mkdir -p $(TWIN_OFFSETS_DIR)
	@cp hv/xen/layouts/offsets.c $(TWIN_OFFSETS_DIR)/
	@echo 'obj-m := offsets.o' > $(TWIN_OFFSETS_DIR)/Kbuild
	@$(MAKE) -s -C $(KHDR) M=$(abspath $(TWIN_OFFSETS_DIR)) offsets.s \
		> $(TWIN_OFFSETS_DIR)/kbuild.log 2>&1 || { cat $(TWIN_OFFSETS_DIR)/kbuild.log; exit 1; }
	@{ echo '/* Generated from hv/xen/layouts/offsets.c for $(KERNEL_FLAVOUR): do not edit. */'; \
	   echo '#ifndef __TWIN_OFFSETS_H__'; echo '#define __TWIN_OFFSETS_H__'; \
	   sed -n 's/^[[:space:]]*\.ascii[[:space:]]*"->\([A-Z][A-Z_0-9]*\) [$$]\{0,1\}\([-0-9]*\) \(.*\)".*/#define \1 \2 \/* \3 *\//p' \
		$(TWIN_OFFSETS_DIR)/offsets.s; \
	   echo '#endif'; } > $@.tmp
	@test $$(grep -c '^#define VM_' $@.tmp) -ge 50 || { echo "error: $@: too few layouts extracted" >&2; exit 1; }
	@mv $@.tmp $@

$(XEN_SRC)/.twin-installed: $(XEN_SRC)/.unpacked $(TWIN_RT_SRC) hv/xen/public/twin.h \
		hv/xen/twin_hooks.h $(TWIN_OFFSETS)
	@mkdir -p $(TWIN_RT_DIR)/public
	@cp -p $(TWIN_RT_SRC) $(TWIN_OFFSETS) $(TWIN_RT_DIR)/
	@cp -p hv/xen/public/twin.h $(TWIN_RT_DIR)/public/
	@cp -p hv/xen/twin_hooks.h $(XEN_SRC)/xen/include/xen/
	@touch $@

# Xen's own make always regenerates compile.h and relinks, so it is only
# entered when one of our inputs changed: the tree, its config, or the
# TwinDrivers runtime sources that go into it.
XEN_INPUTS := $(shell find hv/xen -type f ! -name "*.md" 2>/dev/null)

$(XEN_BIN): $(XEN_SRC)/xen/.config $(XEN_SRC)/.twin-installed $(XEN_INPUTS)
	@echo "  MAKE    xen hypervisor"
	@$(MAKE) -s -C $(XEN_SRC)/xen XEN_TARGET_ARCH=x86_64 -j$(JOBS) \
		EXTRA_CFLAGS_XEN_CORE='-ffile-prefix-map=$(abspath $(XEN_SRC))=.' \
		> $(BUILD)/xen-build.log 2>&1 || { tail -30 $(BUILD)/xen-build.log; echo "error: Xen build failed, full log in $(BUILD)/xen-build.log" >&2; exit 1; }
	@mkdir -p $(@D)
	@cp $(XEN_SRC)/xen/xen-syms $(@D)/xen-syms
	@cp $(XEN_SRC)/xen/xen $@

# The parts of Xen's image that Xen keeps out of dom0's IOMMU mappings
# (xen_in_range(): text+rodata, data+bss), as offsets from its load base:
# tdh replay turns them into the machine ranges the e1000 may reach.
# Xen's image is linked at XEN_VIRT_START, 0xffff82d040000000.
$(BUILD)/xen/image-regions: $(XEN_BIN) hv/xen-image-regions.awk
	@nm $(BUILD)/xen/xen-syms | awk -f hv/xen-image-regions.awk > $@.tmp \
		|| { echo "error: xen-syms lacks the image section symbols" >&2; exit 1; }
	@mv $@.tmp $@

# The TwinDrivers runtime's functions in Xen's image: the instruction-
# accounting plugin's xen_twin region (harness passes it beside xen-syms).
$(BUILD)/xen/twin-text: $(XEN_BIN) hv/xen-twin-text.awk
	@nm -S --defined-only $(XEN_SRC)/xen/arch/x86/twin/built_in.o > $@.runtime
	@nm -S --defined-only $(BUILD)/xen/xen-syms > $@.xen
	@awk -f hv/xen-twin-text.awk $@.runtime $@.xen > $@.tmp \
		|| { echo "error: none of the runtime's functions found in xen-syms" >&2; exit 1; }
	@rm -f $@.runtime $@.xen
	@mv $@.tmp $@

xen: $(XEN_BIN) $(BUILD)/xen/image-regions $(BUILD)/xen/twin-text
.PHONY: xen
