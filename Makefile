# Benchmarks (bench/README.md; method and latest figures in docs/benchmarks.md).
#
#   make bench            every benchmark in bench/ in turn, then every figure beside its target
#   make bench-api        API throughput and latency (wrk), memory, on SQLite
#                         then PostgreSQL (when one answers on 5432)        ~3 min
#   make bench-issuance   issuance against Pebble, beside certbot and lego  ~1 min
#   make bench-due        due selections and list page by size (quick)      2-4 min
#   make bench-load       two minutes at 200 connections, memory growth    ~2.5 min
#   make bench-fairness   a user's http-01 beside another's stuck dns-01   ~30 s
#   make bench-summary    only the summary table, from bench/results/*.json
#
# Needs .venv (./dev test or ./dev run makes it). Missing Debian packages the benches use
# (wrk, pebble, bind9, certbot, lego) are installed with apt-get, as root or through sudo.
# Pass options through API_ARGS, ISSUANCE_ARGS, DUE_ARGS, LOAD_ARGS and FAIRNESS_ARGS, e.g.
#   make bench-due DUE_ARGS="--rows 1000000 --backend both"   (the documented full run)

PY ?= .venv/bin/python
API_ARGS ?=
ISSUANCE_ARGS ?=
# PostgreSQL too when one answers on 127.0.0.1:5432 (CASP_BENCH_PG_URL names the database).
DUE_BACKEND ?= $(shell $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" \
                 2>/dev/null && echo both || echo sqlite)
# bench-api makes its database there (casp_bench_api) and drops it after.
BENCH_PG_URL ?= $(or $(CASP_BENCH_PG_URL),postgres://postgres@127.0.0.1:5432/postgres)
DUE_ARGS ?= --rows 100000 --runs 10 --backend $(DUE_BACKEND)
LOAD_ARGS ?=
FAIRNESS_ARGS ?=

# Those present in bench/ (each writes bench/results/<name>.json).
BENCHES := api issuance $(if $(wildcard bench/due_selection.py),due) \
           $(if $(wildcard bench/load.py),load) $(if $(wildcard bench/fairness.py),fairness)

# Install the Debian packages given that are missing (as ./dev does).
define apt_install
@missing=""; for pkg in $(1); do \
  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" \
    || missing="$$missing $$pkg"; \
done; \
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = 0 ]; then sudo=""; \
  elif command -v sudo >/dev/null; then sudo=sudo; \
  else echo "==> need root to install:$$missing"; exit 0; fi; \
  echo "==> installing Debian packages:$$missing"; \
  $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
    || echo "==> could not install$$missing"; \
fi
endef

.PHONY: bench bench-api bench-issuance bench-due bench-load bench-fairness bench-summary \
        bench-venv

bench: bench-venv
	@failed=""; \
	for b in $(BENCHES); do \
	  echo "==> bench-$$b"; \
	  $(MAKE) --no-print-directory bench-$$b || failed="$$failed $$b"; \
	  echo; \
	done; \
	echo "==> summary"; \
	$(MAKE) --no-print-directory bench-summary; \
	if [ -n "$$failed" ]; then echo "==> failed:$$failed (their rows above are older results)"; \
	  exit 1; fi

bench-venv:
	@test -x $(PY) || { echo "==> $(PY) is missing: run ./dev test (or ./dev run) first"; exit 1; }

bench-api: bench-venv
	$(call apt_install,wrk)
	$(PY) bench/api.py $(API_ARGS)
	@if [ "$(DUE_BACKEND)" = both ]; then \
	  echo "==> the same on PostgreSQL ($(BENCH_PG_URL))"; \
	  $(PY) bench/api.py --postgres $(BENCH_PG_URL) $(API_ARGS); \
	else echo "==> no PostgreSQL on 127.0.0.1:5432: bench-api measured SQLite only"; fi

bench-issuance: bench-venv
	$(call apt_install,pebble bind9 certbot lego)
	$(PY) bench/issuance.py $(ISSUANCE_ARGS)

bench-due: bench-venv
	$(PY) bench/due_selection.py $(DUE_ARGS)

bench-load: bench-venv
	$(PY) bench/load.py $(LOAD_ARGS)

bench-fairness: bench-venv
	$(call apt_install,pebble bind9)
	$(PY) bench/fairness.py $(FAIRNESS_ARGS)

bench-summary: bench-venv
	@$(PY) bench/api.py --summary
