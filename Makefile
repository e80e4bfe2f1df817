# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# synfin: `make` builds ./synfin; `make test`, `make demo`, `make bench`.
OUTPUT := .output
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -std=gnu11
INCLUDES := -I$(OUTPUT) -Ibpf -Iuser
LDLIBS := -lbpf -lelf -lz -lpcap -lm

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
	-Ivmlinux -Ibpf -Wall -Wno-unused-function

USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/%.o,$(USER_SRCS))
BPF_HDRS := bpf/synfin.h bpf/parse.h bpf/conn.h

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all deps clean test test-unit demo bench vmlinux fuzz check
.SECONDARY: $(OUTPUT)/bench_empty.bpf.o $(OUTPUT)/bench_lookup.bpf.o

all: deps synfin

deps:
	$(Q)tools/deps.sh

synfin: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT):
	$(Q)mkdir -p $@

$(OUTPUT)/synfin.bpf.o: bpf/synfin.bpf.c $(BPF_HDRS) vmlinux/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/synfin.skel.h: $(OUTPUT)/synfin.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name synfin_bpf > $@

$(OUTPUT)/%.o: user/%.c $(wildcard user/*.h) $(BPF_HDRS) $(OUTPUT)/synfin.skel.h | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

# Regenerate vmlinux.h from the running kernel's BTF.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

# Benchmarks (tools/bench.sh): baseline BPF programs with their own
# skeletons, the measuring tool, and the connection-churn load generator.
$(OUTPUT)/bench_%.bpf.o: bench/%.bpf.c vmlinux/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/bench_%.skel.h: $(OUTPUT)/bench_%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_$* > $@

$(OUTPUT)/sfbench: bench/sfbench.c $(filter-out $(OUTPUT)/main.o,$(USER_OBJS)) \
		$(OUTPUT)/bench_empty.skel.h $(OUTPUT)/bench_lookup.skel.h
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) $(filter %.c %.o,$^) $(LDLIBS) -o $@

$(OUTPUT)/loadgen: tools/loadgen.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

test: deps synfin
	$(Q)tests/run.sh

demo: deps synfin
	$(Q)tools/demo.sh

bench: deps synfin $(OUTPUT)/sfbench $(OUTPUT)/loadgen
	$(Q)tools/bench.sh

clean:
	rm -rf $(OUTPUT) synfin
