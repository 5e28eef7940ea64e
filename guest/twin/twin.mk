# dom0's side of TwinDrivers: the layouts Xen's support code needs
# (twin_offsets.h), the e1000 VM instance with its hook patch, netback
# with its hook patch, the twin kernel module and twinctl.

TWIN_OFFSETS_DIR := $(BUILD)/twin/offsets

# asm-offsets, the kernel's way: kbuild compiles offsets.c to assembly and
# each "->SYM value" marker becomes a #define.
$(TWIN_OFFSETS): guest/twin/offsets.c $(KHDR)/Makefile
	@echo "  KBUILD  $@"
	@rm -rf $(TWIN_OFFSETS_DIR) && mkdir -p $(TWIN_OFFSETS_DIR)
	@cp guest/twin/offsets.c $(TWIN_OFFSETS_DIR)/
	@echo 'obj-m := offsets.o' > $(TWIN_OFFSETS_DIR)/Kbuild
	@$(MAKE) -s -C $(KHDR) M=$(abspath $(TWIN_OFFSETS_DIR)) offsets.s \
		> $(TWIN_OFFSETS_DIR)/kbuild.log 2>&1 || { cat $(TWIN_OFFSETS_DIR)/kbuild.log; exit 1; }
	@{ echo '/* Generated from guest/twin/offsets.c for $(KERNEL_FLAVOUR): do not edit. */'; \
	   echo '#ifndef __TWIN_OFFSETS_H__'; echo '#define __TWIN_OFFSETS_H__'; \
	   sed -n 's/^[[:space:]]*\.ascii[[:space:]]*"->\([A-Z][A-Z_0-9]*\) [$$]\{0,1\}\([-0-9]*\) \(.*\)".*/#define \1 \2 \/* \3 *\//p' \
		$(TWIN_OFFSETS_DIR)/offsets.s; \
	   echo '#endif'; } > $@.tmp
	@test $$(grep -c '^#define VM_' $@.tmp) -ge 50 || { echo "error: $@: too few layouts extracted" >&2; exit 1; }
	@mv $@.tmp $@

# twin_upcalls.h: the policy's upcall ids, from twinc's manifest, as an
# X-macro list for the module's executor table.
TWIN_MOD_DIR := $(BUILD)/twin/module
TWIN_MOD     := $(TWIN_MOD_DIR)/twin.ko
TWIN_MOD_SRC := $(wildcard guest/twin/*.c guest/twin/*.h) guest/twin/Kbuild
TWIN_UPCALLS := $(TWIN_MOD_DIR)/twin_upcalls.h

$(TWIN_UPCALLS): $(TWIN_OUT)/manifest.json
	@mkdir -p $(@D)
	@{ echo '/* Generated from $< : do not edit. */'; \
	   echo '#define TWIN_UPCALLS \'; \
	   grep -o '"[A-Za-z0-9_]*": {"bind": "upcall", "id": [0-9]*' $< | \
		sed 's/^"\([^"]*\)".* \([0-9]*\)$$/\tX(\2, \1) \\/'; \
	   echo ''; } > $@.tmp
	@test $$(grep -c 'X(' $@.tmp) -ge 1 || { echo "error: no upcall bindings in $<" >&2; exit 1; }
	@mv $@.tmp $@

# xen-netback from the same linux-source, with guest/twin's hook patch
# (netback-twin.h: a connected vif's rings handed to Xen and taken back),
# built against the pinned headers; dom0's image runs it in place of
# Debian's.  Only the hand-over is added: netback's data path is unchanged.
NETBACK_SRC   := $(BUILD)/src/xen-netback
NETBACK_HOOKS := guest/twin/netback-twin-hooks.patch
NETBACK_DIR   := $(BUILD)/twin/netback
NETBACK_KO    := $(NETBACK_DIR)/xen-netback.ko

$(NETBACK_SRC)/.extracted: $(LINUX_SRC_DEB) $(NETBACK_HOOKS)
	@echo "  EXTRACT drivers/net/xen-netback"
	@rm -rf $(NETBACK_SRC) $(NETBACK_SRC).tmp && mkdir -p $(NETBACK_SRC).tmp
	@dpkg-deb --fsys-tarfile $< | tar -xO ./usr/src/linux-source-6.1.tar.xz | \
		xz -dc | tar -x -C $(NETBACK_SRC).tmp --strip-components=4 \
		--wildcards 'linux-source-6.1/drivers/net/xen-netback/*'
	@test -f $(NETBACK_SRC).tmp/netback.c || { echo "error: xen-netback not found in linux-source" >&2; exit 1; }
	@echo "  PATCH   $(NETBACK_HOOKS)"
	@patch -s -p1 -d $(NETBACK_SRC).tmp < $(NETBACK_HOOKS)
	@mv $(NETBACK_SRC).tmp $(NETBACK_SRC) && touch $@

$(NETBACK_KO): $(NETBACK_SRC)/.extracted $(KHDR)/Makefile
	@echo "  KBUILD  xen-netback.ko (with the twin hooks, $(KERNEL_FLAVOUR) headers)"
	@rm -rf $(NETBACK_DIR) && mkdir -p $(NETBACK_DIR)
	@cp $(NETBACK_SRC)/*.c $(NETBACK_SRC)/*.h $(NETBACK_SRC)/Makefile $(NETBACK_DIR)/
	@$(MAKE) -s -C $(KHDR) M=$(abspath $(NETBACK_DIR)) CONFIG_XEN_NETDEV_BACKEND=m modules -j2 \
		> $(NETBACK_DIR)/kbuild.log 2>&1 || { cat $(NETBACK_DIR)/kbuild.log; exit 1; }

# Built like the e1000 VM instance, against the pinned headers, in a copy
# (kbuild writes beside its sources), with the patched e1000's headers and
# netback's hook header.
$(TWIN_MOD): $(TWIN_MOD_SRC) $(TWIN_UPCALLS) hv/xen/public/twin.h $(E1000_VM)/e1000.ko $(NETBACK_KO)
	@echo "  KBUILD  $@"
	@mkdir -p $(TWIN_MOD_DIR)/public
	@cp $(filter-out guest/twin/offsets.c,$(TWIN_MOD_SRC)) $(TWIN_MOD_DIR)/
	@cp $(E1000_SRC)/e1000.h $(E1000_SRC)/e1000_hw.h $(E1000_SRC)/e1000_osdep.h $(TWIN_MOD_DIR)/
	@cp $(NETBACK_SRC)/netback-twin.h $(TWIN_MOD_DIR)/
	@cp hv/xen/public/twin.h $(TWIN_MOD_DIR)/public/
	@cp $(E1000_VM)/Module.symvers $(TWIN_MOD_DIR)/e1000.symvers
	@cp $(NETBACK_DIR)/Module.symvers $(TWIN_MOD_DIR)/netback.symvers
	@$(MAKE) -s -C $(KHDR) M=$(abspath $(TWIN_MOD_DIR)) \
		KBUILD_EXTRA_SYMBOLS="$(abspath $(TWIN_MOD_DIR))/e1000.symvers $(abspath $(TWIN_MOD_DIR))/netback.symvers" \
		modules > $(TWIN_MOD_DIR)/kbuild.log 2>&1 || { cat $(TWIN_MOD_DIR)/kbuild.log; exit 1; }

TWINCTL := $(BUILD)/guest/twinctl
$(TWINCTL): $(wildcard guest/tools/twinctl/*.c guest/tools/twinctl/*.h) guest/twin/twin_ioctl.h hv/xen/public/twin.h
	@echo "  CC     $@"
	@mkdir -p $(@D)
	@$(CC) -O2 -Wall -Wextra -Werror -static -Iguest/twin -Ihv/xen -o $@ \
		$(filter %.c,$^)

twin-dom0: $(TWIN_MOD) $(TWINCTL) $(PAYLOAD)
.PHONY: twin-dom0
