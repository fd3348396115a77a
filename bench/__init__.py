"""The project's benchmarks: `make bench` (python -m bench).

Every benchmark is a module of this package that registers one function:

    from bench.registry import Case, Context, register

    @register(name="dashboard_series", title="Dashboard time series over 1M incidents")
    def run(ctx: Context) -> list[Case]:
        baseline = ctx.measure(lambda: ..., repeat=5)           # seconds per run
        subject = ctx.measure(lambda: ..., repeat=5)
        return [Case("plain GROUP BY", baseline, rows=n, baseline=True), Case("series()", subject, rows=n)]

`python -m bench` imports every module here, runs each benchmark (`--only NAME` to pick), prints
medians and ratios against the case marked `baseline=True` measured in the same run, and rewrites
docs/benchmarks.md with the figures and the machine they were measured on. Benchmarks get an
empty, migrated PostgreSQL database of their own (`vrs_bench`, next to DATABASE_URL's database):
`ctx.fresh_database()` resets it between repetitions.
"""
