# geo_era: a thin wrapper over exactly what CI runs (.ci/run calls `make test`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export GEO_ERA_HOME ?= data/store

.PHONY: setup demo serve test lint typecheck bench clean sgds screenshots

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "geo_era needs Python >= 3.11 (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

## The demo: build the FICTIONAL demo town, import it, run the proximity job, show one
## property, screen the voids for one FICTIONAL subject, write the over-concentration
## reports (the demo town's published one; Edinburgh's internal one on the real data
## zones when ../shared/data is there), make FICTIONAL demo users (passphrases printed)
## and serve the API.
demo: setup
	$(BIN)/geo-era demo-data --scale 1 --seed 0
	$(BIN)/geo-era layers
	$(BIN)/geo-era proximity --radius 400 --out $(GEO_ERA_HOME)/proximity.csv
	$(BIN)/geo-era sites-near DT-0000001 --radius 400
	$(BIN)/geo-era screen FICTIONAL-S000003 --top 5 --justification "demo: voids for a FICTIONAL subject"
	$(BIN)/geo-era report overconcentration --authority "Inverallan Council" --year 2026 --publish --out $(GEO_ERA_HOME)/reports/inverallan-2026
	$(BIN)/geo-era report mappa --authority "Inverallan Council" --year 2026 --publish --out $(GEO_ERA_HOME)/reports/mappa-inverallan-2026
	@if [ -d ../shared/data ]; then \
	  GEO_ERA_HOME=data/edinburgh $(BIN)/geo-era demo-data --edinburgh ../shared/data && \
	  GEO_ERA_HOME=data/edinburgh $(BIN)/geo-era report overconcentration --authority "City of Edinburgh" --year 2026 --out data/edinburgh/reports/2026 --justification "demo: annual report on FICTIONAL placements"; \
	else echo "(../shared/data absent: the Edinburgh over-concentration report is skipped)"; fi
	$(BIN)/geo-era demo-users
	@echo "serving the API on http://127.0.0.1:8000/api/v1 (Ctrl-C to stop)"
	$(BIN)/geo-era serve --host 127.0.0.1 --port 8000

## Refresh the Scottish Government Design System's built files in api/static/sgds from
## the npm registry, at the version pinned in scripts/sgds.sh (needs npm; the files are
## committed, so `make demo` needs only Python and make).
sgds:
	bash scripts/sgds.sh

## The README's screenshots of the pages (docs/screenshots/*.png): a FICTIONAL demo home
## built in a temporary folder, served on 127.0.0.1, driven in Debian's Chromium.
screenshots: setup
	$(BIN)/python scripts/screenshots.py --out docs/screenshots

test: setup
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check geo_era api tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## Every benchmark, then bench/RESULTS.md from their figures (bench/out/*.json), all of
## one run of the commit checked out: bench/common.py start begins the run, each benchmark
## stamps its JSON with it, and bench/results.py refuses anything else. A benchmark that
## fails stops make bench. The PostGIS baseline needs a PostgreSQL/PostGIS server (sudo
## bash .ci/postgres.sh); the national benchmark builds a 2.6-million-address data set
## (about 10 minutes); the national OSM benchmark writes a Scotland-size PBF of 35 million
## nodes and streams it (15-25 minutes).
bench: setup
	$(BIN)/python bench/common.py start
	$(BIN)/python bench/proximity.py --json bench/out/proximity.json
	$(BIN)/python bench/postgis.py --json bench/out/postgis.json
	$(BIN)/python bench/network.py --json bench/out/network.json
	$(BIN)/python bench/national.py --json bench/out/national.json
	$(BIN)/python bench/national_import.py --json bench/out/national_import.json
	$(BIN)/python bench/osm_national.py --json bench/out/osm_national.json
	$(BIN)/python bench/voids.py --json bench/out/voids.json
	$(BIN)/python bench/dask_scale.py --json bench/out/dask.json
	$(BIN)/python bench/storage.py
	$(BIN)/python bench/parameters.py
	$(BIN)/python bench/screening.py --json bench/out/screening.json
	$(BIN)/python bench/api.py --national-home bench/out/national --json bench/out/api.json
	$(BIN)/python bench/address_matching.py --json bench/out/address_matching.json
	$(BIN)/python bench/pages.py --json bench/out/pages.json
	$(BIN)/python bench/results.py

clean:
	rm -rf $(VENV) data/store data/edinburgh .pytest_cache .mypy_cache .ruff_cache bench/out

serve: setup
	$(BIN)/geo-era serve --host 127.0.0.1 --port 8000
