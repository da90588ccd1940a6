# The README's two commands. Each is a thin target over a script in scripts/.
.PHONY: demo test setup lint bench

demo:
	@bash scripts/demo.sh

test:
	@bash scripts/test.sh

setup:
	@bash scripts/setup.sh

lint:
	@bash scripts/lint.sh

bench: setup
	@.venv/bin/python scripts/bench_legislators.py
	@.venv/bin/python scripts/bench_calendar.py
	@.venv/bin/python scripts/bench_scheduler.py
	@.venv/bin/python scripts/bench_sandbox.py
	@.venv/bin/python scripts/bench_collect.py
	@.venv/bin/python scripts/bench_report.py
