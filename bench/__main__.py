"""python -m bench [--quick] [--only NAME ...] [--repeat N] [--output FILE] [--no-write]

Runs the registered benchmarks in their own PostgreSQL database and rewrites docs/benchmarks.md.
A --quick or --only run prints its figures but leaves the document alone unless --write is given,
so a quick check never replaces full-size figures.
"""

import argparse
import importlib
import os
import pkgutil
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INFRASTRUCTURE = {"registry", "machine", "database", "report"}  # modules of the harness, not benchmarks


def benchmark_modules() -> None:
    """Import every benchmark module of the package: importing registers it."""
    import bench

    for module in pkgutil.iter_modules(bench.__path__):
        if module.name not in INFRASTRUCTURE and not module.name.startswith("_"):
            importlib.import_module(f"bench.{module.name}")


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[2])
    parser.add_argument("--quick", action="store_true", help="small sizes: a check that the benchmarks work")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    parser.add_argument("--repeat", type=int, help="repetitions per case (default: each benchmark's own)")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=None, help="rewrite --output")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = arguments(argv)
    # A stopped run (kill, Ctrl-C) still drops its databases: turn TERM into an exception.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.path.insert(0, str(ROOT))
    # Everything in this process: tasks run in-process (no stray messages on a shared broker),
    # and no debug query log in the way of a million-row load.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    # A benchmark that starts a real worker (analytics' freshness) sends to this run's own queue, so
    # no one else's worker on a shared Redis takes its tasks.
    os.environ.setdefault("CELERY_QUEUE", f"vrs-bench-{os.getpid()}")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    from bench import report
    from bench.database import bench_database
    from bench.registry import REGISTRY, Context, Outcome

    benchmark_modules()
    if args.list:
        for name, benchmark in sorted(REGISTRY.items()):
            print(f"{name}: {benchmark.title}")
        return 0
    names = args.only or sorted(REGISTRY)
    unknown = sorted(set(names) - set(REGISTRY))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(sorted(REGISTRY))}", file=sys.stderr)
        return 2
    write = args.write if args.write is not None else not (args.quick or args.only)

    outcomes = []
    with bench_database() as database:
        from bench.machine import machine_facts

        machine = machine_facts()
        for name in names:
            benchmark = REGISTRY[name]
            print(f"{name}: {benchmark.title}", flush=True)
            database.fresh()
            ctx = Context(quick=args.quick, repeat=args.repeat, fresh_database=database.fresh)
            outcome = Outcome(benchmark=benchmark, cases=benchmark.run(ctx))
            outcomes.append(outcome)
            print("\n".join(report.outcome_table(outcome)) + "\n", flush=True)

    if write:
        parameters = " ".join(argv)
        report.write(args.output, machine=machine, outcomes=outcomes, parameters=parameters)
        print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
