# One-liners over the ops scripts and the tools in .venv (ops/dev.sh test runs them all, as CI does).
.PHONY: up down test lint fmt typecheck images

up:
	ops/dev.sh up
down:
	ops/dev.sh down
test:
	ops/dev.sh test
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && shellcheck -x $$(find ops -name '*.sh') .ci/run
fmt:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .
typecheck:
	.venv/bin/mypy appliance judge/runner
images:
	ops/build-images.sh
