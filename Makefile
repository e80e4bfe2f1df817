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

.PHONY: all deps clean test test-unit demo bench vmlinux fuzz check fuzz-conn

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

# Test binaries (tests/unit/run.sh and tests/prog/run.sh build them).
TEST_SRCS := tests/cases.c user/track.c user/util.c
TEST_DEPS := $(TEST_SRCS) tests/cases.h tests/testlib.h user/synfin_user.h $(BPF_HDRS)
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

$(OUTPUT)/test_unit: tests/unit/test_unit.c $(TEST_DEPS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(SANITIZE) -Ibpf -Iuser -Itests tests/unit/test_unit.c $(TEST_SRCS) -o $@

$(OUTPUT)/test_prog: tests/prog/test_prog.c $(TEST_DEPS) $(OUTPUT)/synfin.skel.h | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -Itests tests/prog/test_prog.c $(TEST_SRCS) \
		-lbpf -lelf -lz -lpthread -o $@

# libFuzzer on the state machine core: make fuzz-conn [FUZZ_SECS=60]
FUZZ_SECS ?= 60
$(OUTPUT)/fuzz_conn: tests/fuzz/fuzz_conn.c $(BPF_HDRS) | $(OUTPUT)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Ibpf tests/fuzz/fuzz_conn.c -o $@

fuzz-conn: $(OUTPUT)/fuzz_conn
	$(Q)mkdir -p fuzz-out/conn
	$(OUTPUT)/fuzz_conn -max_total_time=$(FUZZ_SECS) -print_final_stats=1 \
		-artifact_prefix=fuzz-out/ fuzz-out/conn

test: deps synfin
	$(Q)tests/run.sh

demo: deps synfin
	$(Q)tools/demo.sh

bench: deps synfin
	$(Q)tools/bench.sh

clean:
	rm -rf $(OUTPUT) synfin
