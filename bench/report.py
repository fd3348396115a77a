"""Printing results and writing docs/benchmarks.md."""

from pathlib import Path

from bench.registry import Outcome

HEADER = """# Benchmarks

Written by `make bench` (`python -m bench`, package `bench/`); do not edit by hand. Each section
gives the median of repeated runs and the ratio to a baseline measured in the same run, on the
machine below. To add a benchmark, add a module to `bench/` (see `bench/__init__.py`).
"""


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.1f} ms"


def _rate(value: float | None) -> str:
    return f"{value:,.0f}" if value is not None else "—"


def _ratio(value: float | None) -> str:
    return f"{value:.2f}×" if value is not None else "—"


def outcome_table(outcome: Outcome) -> list[str]:
    lines = [
        "| case | runs | median | rows | rows/s | × baseline |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for case in outcome.cases:
        name = f"{case.name} (baseline)" if case.baseline else case.name
        rows = f"{case.rows:,}" if case.rows else "—"
        lines.append(
            f"| {name} | {len(case.seconds)} | {_seconds(case.median)} | {rows} | "
            f"{_rate(case.rows_per_second)} | {_ratio(outcome.ratio(case))} |"
        )
    return lines


def markdown(*, machine: dict[str, str], outcomes: list[Outcome], parameters: str) -> str:
    lines = [HEADER, "## Machine", "", "| | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in machine.items()]
    lines += [f"| run | `{' '.join(('python -m bench', parameters)).strip()}` |", ""]
    for outcome in outcomes:
        lines += [
            f"## {outcome.benchmark.title}",
            "",
            f"`{outcome.benchmark.name}`: {outcome.benchmark.description}",
            "",
        ]
        lines += outcome_table(outcome)
        notes = [f"- {case.name}: {case.note}" for case in outcome.cases if case.note]
        lines += ["", *notes, ""] if notes else [""]
    return "\n".join(lines).rstrip() + "\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
