# The C harness, tdh.
TDH_SRCS := $(wildcard harness/*.c)
# the plugin's counters-file header is shared with its reader, insn.c
TDH_HDRS := $(wildcard harness/*.h) qemu-e1000-tracing/plugins/insn-file.h
TDH      := $(BUILD)/bin/tdh
HARNESS_CFLAGS := -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
		  -Iqemu-e1000-tracing/plugins

$(TDH): $(TDH_SRCS) $(TDH_HDRS) | $(HOST_DEPS)
	@echo "  CC     $@"
	@mkdir -p $(@D)
	@$(CC) $(HARNESS_CFLAGS) -o $@ $(TDH_SRCS) -ljson-c -lvirt -lm

# What tdh records as the stack's versions.
$(BUILD)/versions: mk/pins.mk
	@mkdir -p $(@D)
	@printf 'xen=%s\nkernel=%s (%s)\n' '$(XEN_VERSION)' '$(KERNEL_FLAVOUR)' '$(KERNEL_VERSION)' > $@

tdh: $(TDH) $(BUILD)/versions
.PHONY: tdh
