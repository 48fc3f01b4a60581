# concbench - build, deps, test, demo, bench, memcheck, install.
#
#   make            build ./concbench (-O2 -g, warnings are errors)
#   make demo       install missing Debian packages, build, run the tour sweep
#   make test       install missing Debian packages, build, run every test
#   make test SAN=address,undefined   the same under ASan+UBSan
#   make memcheck   the tests under valgrind
#   make bench      the toolkit's own speed, beside raw primitives
#   make notebooks  execute the lecture notebooks, HTML handouts in results/notebooks/

CC       ?= cc
SAN      ?=
PREFIX   ?= /usr/local
# libuv is optional: with libuv1-dev (make deps installs it) the uv model is
# built on it (-DCB_HAVE_UV); without, the model is there and each run is a
# limit that says why. `make HAVE_UV=` builds without it.
HAVE_UV  ?= $(shell pkg-config --exists libuv 2>/dev/null && echo 1)
HAVE_UV  := $(HAVE_UV)
PKGS     := hwloc libcrypto libxxhash liburing $(if $(HAVE_UV),libuv)
BUILD    ?= build$(if $(SAN),-san)

# DWARF 4: the valgrind in Debian 12 cannot read clang's default DWARF 5.
CFLAGS   ?= -O2 -gdwarf-4
CFLAGS   += -I. -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror \
            -Wshadow -Wno-unused-parameter -pthread -MMD -MP
CFLAGS   += $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(if $(HAVE_UV),-DCB_HAVE_UV)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lhwloc -lcrypto -lxxhash -luring \
		$(if $(HAVE_UV),-luv)) -lm
LDFLAGS  += -pthread
ifneq ($(SAN),)
CFLAGS   += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=$(SAN)
endif

# Every .c (and .S) in the concept folders; a new file needs no Makefile line.
LIB_SRC  := $(wildcard harness/*/*.c) $(wildcard models/*.c) $(wildcard models/*.S) \
            $(wildcard workloads/*.c) $(wildcard workloads/*/*.c)
LIB_OBJ  := $(patsubst %.S,$(BUILD)/%.o,$(LIB_SRC:%.c=$(BUILD)/%.o))
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BIN      := $(if $(SAN),$(BUILD)/concbench,concbench)

.PHONY: all deps deps-memcheck deps-bench test memcheck demo bench reproduce notebooks fuzz install clean format FORCE
all: $(BIN)

deps:
	@sh harness/build/deps.sh gcc make pkg-config libhwloc-dev libssl-dev \
		libxxhash-dev liburing-dev libuv1-dev libcmocka-dev gnuplot-nox \
		jupyter-nbconvert python3-nbclient python3-nbformat python3-ipykernel \
		python3-pandas python3-matplotlib
deps-memcheck: deps
	@sh harness/build/deps.sh valgrind
# bench's load rows: wrk beside concbench load, against nginx (started by the
# bench itself from a temp dir, never the system service); its switch rows:
# Boost.Context beside our switch (dlopen'ed by the bench, so concbench never
# links it) and valgrind, whose callgrind counts instructions per switch
deps-bench: deps
	@sh harness/build/deps.sh wrk nginx-light libboost-context-dev valgrind

$(BUILD)/buildinfo.h: FORCE
	@mkdir -p $(@D)
	@{ printf '#define CB_GIT "%s"\n' "$$(git describe --always --dirty 2>/dev/null || echo unknown)"; \
	   printf '#define CB_CFLAGS "%s"\n' "$(strip $(filter-out -MMD -MP,$(CFLAGS)))"; \
	   printf '#define CB_CC "%s"\n' "$(CC)"; } > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(BUILD) -c -o $@ $<

$(BUILD)/%.o: %.S
	@mkdir -p $(@D)
	$(CC) $(filter-out -std=c11,$(CFLAGS)) -c -o $@ $<

$(BUILD)/harness/run/meta.o: $(BUILD)/buildinfo.h

# uv.o again when libuv comes or goes (HAVE_UV changed since the last build).
$(BUILD)/uv.flag: FORCE
	@mkdir -p $(@D)
	@echo '$(HAVE_UV)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/models/uv.o: $(BUILD)/uv.flag

# Built-in suites: harness/suite/builtin/*.suite compiled in as a table of texts
# (harness/suite/catalog.c reads it), so an installed binary carries them. Regenerated every
# make, replaced only when it changed: an added, edited or removed suite rebuilds.
SUITE_SRC := $(sort $(wildcard harness/suite/builtin/*.suite))
LIB_OBJ   += $(BUILD)/suites.o

$(BUILD)/suites.c: FORCE
	@mkdir -p $(@D)
	@awk 'BEGIN { print "/* generated from harness/suite/builtin by the Makefile */"; \
		print "struct suite_text { const char *name, *text; };"; \
		print "const struct suite_text suite_builtin[] = {" } \
	FNR == 1 { if (k++) print "\t\"\" },"; n = FILENAME; sub(/.*\//, "", n); \
		sub(/\.suite$$/, "", n); printf "\t{ \"%s\",\n", n } \
	{ s = ""; for (i = 1; i <= length($$0); i++) { c = substr($$0, i, 1); \
		if (c == "\\" || c == "\"" || c == "?") s = s "\\"; s = s c } \
		printf "\t\"%s\\n\"\n", s } \
	END { if (k) print "\t\"\" },"; print "\t{ 0, 0 }\n};"; \
		printf "const unsigned suite_nbuiltin = %d;\n", k }' $(SUITE_SRC) /dev/null > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/suites.o: $(BUILD)/suites.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libconcbench.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BIN): $(BUILD)/harness/main.o $(BUILD)/libconcbench.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/libconcbench.a $(wildcard tests/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(BUILD) $(LDFLAGS) -o $@ $< $(BUILD)/libconcbench.a $(LDLIBS) -lcmocka

# tests/layout.sh checks the tree's rules with this compiler command.
LAYOUT_CC = $(CC) $(filter-out -MMD -MP,$(CFLAGS)) -I$(BUILD)

test: deps
	@$(MAKE) --no-print-directory $(BIN) $(TEST_BIN)
	@LAYOUT_CC='$(LAYOUT_CC)' sh tests/run.sh $(BUILD) $(BIN)

memcheck: deps-memcheck
	@$(MAKE) --no-print-directory $(BIN) $(TEST_BIN)
	@MEMCHECK=1 LAYOUT_CC='$(LAYOUT_CC)' sh tests/run.sh $(BUILD) $(BIN)

# The tour: every model, +gil variants included, on every workload, with
# tasks sized to dwarf the models' own costs (a fork is ~1 ms here; fib(36)
# ~25 ms), then one timeline: fib one after another vs a pool of two
# workers, each lane's tasks back to back (until timelines show who holds
# the CPU, a timeline of threads sharing cores would draw their bars as if
# they all ran at once).
demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	./$(BIN) run --name demo -m all+gil -n 8 -c 4 --reps 2 \
		-w fib:n=36 -w hash:algo=sha256,bytes=1m,rounds=8 -w spin:us=20000 \
		-w sleep:ms=50 -w http:delay_ms=50,size=4k -w mixed:delay_ms=50,fib=30 -w null
	./$(BIN) run --name demo-timeline -m sequential,pool -n 8 -c 2 --reps 1 \
		--timeline -w fib:n=36

reproduce: deps
	@$(MAKE) --no-print-directory $(BIN)
	./$(BIN) reproduce

# Every notebooks/*.ipynb executed headless (Debian's nbconvert, the kernel
# of /usr/bin/python3) into an HTML handout with its figures embedded; the
# runs they make go to results/notebooks/runs/. A cell that fails fails it.
notebooks: deps
	@$(MAKE) --no-print-directory $(BIN)
	@CONCBENCH=$(abspath $(BIN)) sh notebooks/render.sh results/notebooks notebooks/*.ipynb

bench: deps-bench
	@$(MAKE) --no-print-directory $(BIN)
	./$(BIN) bench

# make fuzz: the HTTP response parser under libFuzzer, FUZZ_SECONDS (60) long.
# Needs clang and its fuzzer runtime (Debian 12: clang, libclang-rt-14-dev).
FUZZ_SECONDS ?= 60
fuzz:
	@sh harness/build/deps.sh clang libclang-rt-14-dev
	@mkdir -p $(BUILD)/fuzz/corpus
	clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_httpparse.c \
		workloads/http/httpresp.c -o $(BUILD)/fuzz/fuzz_httpparse
	$(BUILD)/fuzz/fuzz_httpparse -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-dict=tests/fuzz/httpparse.dict -artifact_prefix=$(BUILD)/fuzz/ \
		$(BUILD)/fuzz/corpus

install: $(BIN)
	install -D -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/concbench

format:
	clang-format -i harness/*.c harness/*/*.[ch] models/*.[ch] workloads/*.[ch] \
		workloads/*/*.[ch] tests/*.[ch]

clean:
	rm -rf build build-* concbench

-include $(LIB_OBJ:.o=.d) $(BUILD)/harness/main.d
