# QEMU from Debian's source package plus qemu-e1000-tracing/patches, built
# into build/qemu/qemu-system-x86_64 (x86_64-softmmu, TCG and KVM, slirp and
# tap, no GUI, trace backends simple and log, plugins), and the trace
# decoder/checker build/bin/e1000-trace.
#
# As for Xen (mk/debian.mk): the pinned source is downloaded once into
# $(CACHE)/src/qemu, unpacked with Debian's patches into build/src/qemu,
# our series goes on top; stamps make a second `make qemu` a no-op.  Part
# of `all`: tdh runs this QEMU by default (a cold build: about 6 minutes).

QEMU_DSC     := $(CACHE)/src/qemu/qemu_$(subst 1:,,$(QEMU_VERSION)).dsc
QEMU_SRC     := $(BUILD)/src/qemu
QEMU_OBJ     := $(BUILD)/qemu-build
QEMU_BIN     := $(BUILD)/qemu/qemu-system-x86_64

# configure's options live in their own file so that only a change to
# them, not any edit of this makefile, reconfigures (a full rebuild).
QEMU_CONFIG_OPTS := qemu-e1000-tracing/configure-options
QEMU_CONFIGURE   := $(shell grep -v '^\#' $(QEMU_CONFIG_OPTS))

# Debian's tarball carries no firmware; Debian's own build looks in these
# folders (qemu-system-data, seabios, ipxe-qemu).  Our QEMU is relocatable:
# it looks for its data in ../share/qemu relative to its executable, i.e.
# $(BUILD)/share/qemu: fill that with links.
QEMU_FIRMWARE_DIRS := /usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu

$(eval $(call debian_source,qemu,$(QEMU_VERSION),$(QEMU_DSC),$(QEMU_SRC),qemu-e1000-tracing/patches/series))

$(QEMU_OBJ)/.configured: $(QEMU_SRC)/.unpacked $(QEMU_CONFIG_OPTS)
	@echo "  CONFIG  qemu"
	@rm -rf $(QEMU_OBJ) && mkdir -p $(QEMU_OBJ)
	@cd $(QEMU_OBJ) && $(abspath $(QEMU_SRC))/configure $(QEMU_CONFIGURE) \
		> $(abspath $(BUILD))/qemu-configure.log 2>&1 || \
		{ tail -20 $(abspath $(BUILD))/qemu-configure.log; echo "error: qemu configure failed" >&2; exit 1; }
	@touch $@

$(QEMU_BIN): $(QEMU_OBJ)/.configured
	@echo "  NINJA   qemu-system-x86_64"
	@ninja -C $(QEMU_OBJ) -j$(JOBS) qemu-system-x86_64 trace/trace-events-all \
		> $(BUILD)/qemu-build.log 2>&1 || \
		{ tail -30 $(BUILD)/qemu-build.log; echo "error: QEMU build failed, full log in $(BUILD)/qemu-build.log" >&2; exit 1; }
	@mkdir -p $(@D)
	@cp $(QEMU_OBJ)/trace/trace-events-all $(@D)/trace-events-all
	@cp $(QEMU_SRC)/scripts/simpletrace.py $(@D)/simpletrace.py
	@cp -r $(QEMU_SRC)/scripts/tracetool $(@D)/
	@rm -rf $(BUILD)/share/qemu && mkdir -p $(BUILD)/share/qemu
	@for d in $(QEMU_FIRMWARE_DIRS); do for f in $$d/*; do \
		[ -e $(BUILD)/share/qemu/$${f##*/} ] || ln -s $$f $(BUILD)/share/qemu/; \
	done; done
	@# the binary last: its presence means the whole set is there
	@cp $(QEMU_OBJ)/qemu-system-x86_64 $@.tmp && mv $@.tmp $@

E1000_TRACE     := $(BUILD)/bin/e1000-trace
E1000_TRACE_SRC := $(wildcard qemu-e1000-tracing/tools/*.c)
E1000_TRACE_HDR := $(wildcard qemu-e1000-tracing/tools/*.h)

$(E1000_TRACE): $(E1000_TRACE_SRC) $(E1000_TRACE_HDR)
	@echo "  CC      e1000-trace"
	@mkdir -p $(@D)
	@$(CC) -O2 -g -Wall -Wextra -Werror -std=gnu11 -o $@ $(E1000_TRACE_SRC)

# the event lists, where tdh finds them (-trace events=...)
QEMU_EVENT_LISTS := $(patsubst qemu-e1000-tracing/%,$(BUILD)/qemu/%,$(wildcard qemu-e1000-tracing/events/*))

$(BUILD)/qemu/events/%: qemu-e1000-tracing/events/%
	@mkdir -p $(@D)
	@cp $< $@

# The instruction-accounting TCG plugin: built against the same source's
# plugin header; QEMU loads it at run time (tdh does, when it is there).
INSN_PLUGIN     := $(BUILD)/qemu/plugins/libinsn-regions.so
INSN_PLUGIN_SRC := qemu-e1000-tracing/plugins/insn-regions.c

$(INSN_PLUGIN): $(INSN_PLUGIN_SRC) qemu-e1000-tracing/plugins/insn-file.h | $(QEMU_SRC)/.unpacked
	@echo "  CC      libinsn-regions.so"
	@mkdir -p $(@D)
	@$(CC) -O2 -g -Wall -Wextra -Werror -std=gnu11 -shared -fPIC \
		-I$(QEMU_SRC)/include/qemu $$(pkg-config --cflags glib-2.0) -o $@ $<

qemu: $(QEMU_BIN) $(E1000_TRACE) $(INSN_PLUGIN) $(QEMU_EVENT_LISTS)
e1000-trace: $(E1000_TRACE)
insn-plugin: $(INSN_PLUGIN)
.PHONY: qemu e1000-trace insn-plugin
