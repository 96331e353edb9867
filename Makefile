# Chat-Rec: two commands do everything on a fresh Debian 12 machine.
#   make demo   install packages, build, import MovieLens 100K, train, run a conversation
#   make test   install packages, build, run every test (unit + integration)
BUILD     ?= build
STORE_DIR ?= var
JOBS      ?= $(shell nproc)
export CHATREC_DATA ?= $(abspath ../shared/data)

.PHONY: all deps configure build test demo up down clean bench

all: build

deps:
	@scripts/install_deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=$(shell command -v ccache >/dev/null && echo ccache) \
	  -DCHATREC_DATA_DIR=$(CHATREC_DATA)

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	STORE_DIR=$(STORE_DIR) scripts/demo.sh

# Start the four services in the background on the default ports (importing and
# training first if needed); returns once all report SERVING. `make down` stops them.
up: build
	STORE_DIR=$(STORE_DIR) scripts/services.sh up

down:
	STORE_DIR=$(STORE_DIR) scripts/services.sh down

bench: build
	BIN=$(BUILD)/bin/chatrec-bench-kernels bench/run_kernels.sh

# Issue 6 on ReDial: a ReDial store with its engine settings and cross-fitted re-ranker (about 45 s),
# then Recall@1/10/50 of the development turns in both formats, through the dialogue engine.
REDIAL_STORE ?= var-redial
.PHONY: redial-eval
redial-eval: build
	CHATREC_BIN=$(BUILD)/bin/chatrec scripts/redial_store.sh $(REDIAL_STORE)
	$(BUILD)/bin/chatrec eval redial --store_dir $(REDIAL_STORE) --turns $(CHATREC_DATA)/redial-kg-dbpedia-unicrs/test.dev.jsonl
	$(BUILD)/bin/chatrec eval redial --store_dir $(REDIAL_STORE) --dialogues $(CHATREC_DATA)/redial/test_data.dev.jsonl

clean:
	rm -rf $(BUILD)

# Deployment files tested for real under podman: compose stack (init, four services, Prometheus), a
# conversation through the dialogue port, Prometheus targets and metrics, `podman kube play` of deploy/k8s.
# Needs root or sudo (installs podman & co. if missing). About 1 minute when the images are cached; a
# source change adds its incremental rebuild; the first run also builds the base image and compiles everything.
.PHONY: test-deploy deploy-check
test-deploy:
	scripts/deploy_test.sh

# The static checks only (compose config, promtool, dashboard JSON, manifests): seconds, no containers.
deploy-check:
	DEPLOY_TEST_STATIC_ONLY=1 scripts/deploy_test.sh
