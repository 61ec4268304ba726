.PHONY: help run test lint typecheck bench

help:  ## list the targets
	@grep -E '^[a-z]+:.*##' Makefile | sed 's/:.*## /\t/'

run:  ## set up, migrate, seed the demo if empty, start on http://localhost:8501
	./scripts/run

test:  ## install test dependencies and run the whole suite
	./scripts/test

lint:  ## ruff lint and format check
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck:  ## mypy (configured in pyproject.toml: portsight, strict on portsight/domain)
	.venv/bin/mypy

bench:  ## the quick benchmarks on demo-sized data (bench/README.md lists the national-scale ones)
	@for script in seed selection_rates backtest import; do \
		echo "== bench/$$script.py"; PYTHONPATH=. .venv/bin/python bench/$$script.py || exit 1; done
