.PHONY: help run test lint bench

help:  ## list the targets
	@grep -E '^[a-z]+:.*##' Makefile | sed 's/:.*## /\t/'

run:  ## set up, migrate, seed the demo if empty, start on http://localhost:8501
	./scripts/run

test:  ## install test dependencies and run the whole suite
	./scripts/test

lint:  ## ruff
	.venv/bin/ruff check .

bench:  ## run every benchmark script; figures go to bench/results/
	@for script in bench/*.py; do echo "== $$script"; PYTHONPATH=. .venv/bin/python $$script || exit 1; done
