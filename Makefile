.PHONY: help run test lint bench

help:  ## list the targets
	@grep -E '^[a-z]+:.*##' Makefile | sed 's/:.*## /\t/'

run:  ## set up, migrate, seed the demo if empty, start on http://localhost:8501
	./scripts/run

test:  ## install test dependencies and run the whole suite
	./scripts/test

lint:  ## ruff
	.venv/bin/ruff check .

bench:  ## the quick benchmarks on demo-sized data (bench/README.md lists the national-scale ones)
	@for script in seed selection_rates backtest import; do \
		echo "== bench/$$script.py"; PYTHONPATH=. .venv/bin/python bench/$$script.py || exit 1; done
