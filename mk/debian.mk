# Debian's sources, fetched and unpacked one way for every folder.
#
# A source package (Xen, QEMU) is downloaded once into $(CACHE)/src/NAME
# (apt-get source, main archive, pinned) and unpacked into build/src/NAME
# with Debian's patches applied, then the owning folder's patches/series
# on top.  Parts of the kernel (e1000, xen-netback) come from the pinned
# linux-source package, one folder of it each, with a hook patch.

# $(call debian_source,NAME,VERSION,DSC,SRC,SERIES): the rules that make
# DSC (the download) and SRC/.unpacked (the tree, patched).  SERIES lists
# the patches of its folder, one a line ('#' comments); a missing SERIES
# means none.  The tree is unpacked afresh when the series or a patch it
# lists changes: a patch file not (yet) in the series does not re-unpack
# the tree under someone working in it.
debian_source_patches = $(wildcard $(1)) \
	$(addprefix $(dir $(1)),$(shell test -f $(1) && grep -v '^\#' $(1)))

define debian_source
$(3): | $$(HOST_DEPS)
	@echo "  FETCH   $(1) $(2) (source)"
	@mkdir -p $$(@D)
	@cd $$(@D) && apt-get source --download-only -q=2 $(1)=$(2) 2>/dev/null
	@test -f $$@ || { echo "error: apt-get source $(1)=$(2) failed; is the main archive's deb-src entry present? (run scripts/host-deps.sh)" >&2; exit 1; }

$(4)/.unpacked: $(3) $(call debian_source_patches,$(5))
	@echo "  UNPACK  $(1) into $(4)"
	@rm -rf $(4) && mkdir -p $$(dir $(4))
	@dpkg-source -q -x $(3) $(4) > $$(BUILD)/$(1)-unpack.log 2>&1 || \
		{ cat $$(BUILD)/$(1)-unpack.log; echo "error: dpkg-source -x $(1) failed" >&2; exit 1; }
	@if [ -f $(5) ]; then \
		for p in $$$$(grep -v '^#' $(5)); do \
			echo "  PATCH   $$$$p"; \
			patch -s -d $(4) -p1 < $(dir $(5))$$$$p || exit 1; \
		done; \
	fi
	@touch $$@
endef

# dom0's kernel: the pinned linux-source package (kept in $(CACHE)) and the
# pinned headers every out-of-tree module is built against, never
# `uname -r`'s (the host runs another kernel).
LINUX_SRC_DEB := $(CACHE)/debs/linux-source-6.1_$(KERNEL_VERSION)_all.deb
KHDR          := /usr/src/linux-headers-$(KERNEL_FLAVOUR)

$(LINUX_SRC_DEB): | $(HOST_DEPS)
	@echo "  FETCH   linux-source-6.1 $(KERNEL_VERSION)"
	@mkdir -p $(@D)
	@cd $(@D) && apt-get download -q=2 linux-source-6.1=$(KERNEL_VERSION) 2>/dev/null
	@test -f $@ || { echo "error: apt-get download linux-source-6.1=$(KERNEL_VERSION) failed" >&2; exit 1; }

$(KHDR)/Makefile: | $(HOST_DEPS)
	@test -f $@ || { echo "error: $(KHDR) missing: install linux-headers-$(KERNEL_FLAVOUR)=$(KERNEL_VERSION) (scripts/host-deps.sh)" >&2; exit 1; }

# $(call linux_source_part,DEST,DIR,CHECK,PATCH): the rule that makes
# DEST/.extracted, the kernel tree's folder DIR (e.g. drivers/net/xen-netback)
# alone, with PATCH applied; CHECK is a file DIR must hold.
define linux_source_part
$(1)/.extracted: $$(LINUX_SRC_DEB) $(4)
	@echo "  EXTRACT $(2)"
	@rm -rf $(1) $(1).tmp && mkdir -p $(1).tmp
	@dpkg-deb --fsys-tarfile $$< | tar -xO ./usr/src/linux-source-6.1.tar.xz | \
		xz -dc | tar -x -C $(1).tmp --strip-components=$(words $(subst /, ,linux-source-6.1/$(2))) \
		--wildcards 'linux-source-6.1/$(2)/*'
	@test -f $(1).tmp/$(3) || { echo "error: $(2)/$(3) not found in linux-source" >&2; exit 1; }
	@echo "  PATCH   $(4)"
	@patch -s -p1 -d $(1).tmp < $(4)
	@mv $(1).tmp $(1) && touch $$@
endef
