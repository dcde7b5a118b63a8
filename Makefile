# fraud-intake: build, run and test.
#   make run    install what is missing, build, start a local PostgreSQL, migrate, serve
#   make test   install what is missing, sanitizer build, throwaway PostgreSQL, every suite
#   make        release build only (build/release/fraud-intake)

CC  ?= cc
CXX ?= c++

SAN ?= 0
# V=1 prints every command line.
V ?= 0
Q := $(if $(filter 1,$(V)),,@)
ifeq ($(SAN),1)
BUILD    ?= build/asan
OPTFLAGS  = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else ifeq ($(SAN),fuzz)
BUILD    ?= build/fuzz
OPTFLAGS  = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,fuzzer-no-link \
            -fno-sanitize-recover=all
else
BUILD    ?= build/release
OPTFLAGS  = -O2 -g
endif

PKGS      = libmicrohttpd jansson libpq libcrypto
WARNINGS  = -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wsign-compare \
            -Wformat=2 -Wundef -Wvla -Werror
CPPFLAGS += -D_GNU_SOURCE -Iservice -MMD -MP
CFLAGS   += -std=c11 $(OPTFLAGS) $(WARNINGS) -Wstrict-prototypes -Wmissing-prototypes \
            $(shell pkg-config --cflags $(PKGS))
CXXFLAGS += -std=c++17 $(OPTFLAGS) $(WARNINGS)
LDFLAGS  += $(OPTFLAGS)
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lphonenumber -lpthread -lstdc++

LIB_C   := $(sort $(shell find service -name '*.c' ! -path service/main.c))
LIB_CXX := $(sort $(shell find service -name '*.cc'))
LIB_OBJ := $(LIB_C:%.c=$(BUILD)/%.o) $(LIB_CXX:%.cc=$(BUILD)/%.o)
TEST_C  := $(sort $(wildcard tests/*.c tests/unit/*.c tests/store/*.c tests/http/*.c))
TEST_OBJ := $(TEST_C:%.c=$(BUILD)/%.o)

BIN   := $(BUILD)/fraud-intake
CHECK := $(BUILD)/check_all

.PHONY: all build run test test-build migrate deps clean fuzz
all: build
build: $(BIN)

$(BIN): $(BUILD)/service/main.o $(BUILD)/libfraud.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libfraud.a: $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

$(CHECK): $(TEST_OBJ) $(BUILD)/libfraud.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs check libcurl) $(LDLIBS)

# libFuzzer harnesses (make fuzz): the library built with clang and the
# fuzzer's coverage instrumentation, one binary per harness.
$(BUILD)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/vocab_fixture.o $(BUILD)/libfraud.a
	@echo "  LD      $@"
	$(Q)$(CXX) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%.o: CFLAGS += -Itests $(shell pkg-config --cflags check libcurl)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.cc
	@mkdir -p $(@D)
	@echo "  CXX     $<"
	$(Q)$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $<

deps:
	@scripts/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory -j$(shell nproc) build
	@scripts/run.sh $(BIN)

migrate: deps
	@$(MAKE) --no-print-directory -j$(shell nproc) build
	@scripts/run.sh $(BIN) migrate

test-build:
	@$(MAKE) --no-print-directory -j$(shell nproc) SAN=1 build/asan/fraud-intake build/asan/check_all

test: deps
	@$(MAKE) --no-print-directory test-build
	@scripts/test.sh build/asan

.SECONDARY:

# make fuzz FUZZ_SECONDS=60 runs each harness that long.
FUZZ_SECONDS ?= 30
fuzz:
	@scripts/install-deps.sh fuzz
	@$(MAKE) --no-print-directory -j$(shell nproc) SAN=fuzz CC=clang CXX=clang++ \
		build/fuzz/fuzz_report build/fuzz/fuzz_phone
	@scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

# The trend benchmark (bench/README.md): the service and its load client,
# bench/trendbench, built like the rest; bench/trends.sh runs them. Not
# part of make test.
.PHONY: bench
bench: $(BIN) $(BUILD)/trendbench

$(BUILD)/trendbench: $(BUILD)/bench/trendbench.o
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs libcurl) -lpthread

$(BUILD)/bench/%.o: CFLAGS += $(shell pkg-config --cflags libcurl)

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/service/main.d $(BUILD)/bench/trendbench.d
