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


def section(*, machine: dict[str, str], outcome: Outcome, parameters: str) -> str:
    """One benchmark's section: its figures, and the machine and command of the run that measured them."""
    lines = [f"## {outcome.benchmark.title}", "", f"`{outcome.benchmark.name}`: {outcome.benchmark.description}", ""]
    lines += outcome_table(outcome)
    notes = [f"- {case.name}: {case.note}" for case in outcome.cases if case.note]
    lines += ["", *notes] if notes else []
    lines += ["", "<details><summary>machine and command of this run</summary>", "", "| | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in machine.items()]
    lines += [f"| run | `{' '.join(('python -m bench', parameters)).strip()}` |", "", "</details>", ""]
    return "\n".join(lines)


def _sections(text: str) -> dict[str, str]:
    """The sections of an existing document by their "## " heading (the header and old machine table dropped)."""
    sections: dict[str, str] = {}
    shared_machine = ""  # the one machine table of documents written before sections carried their own
    for chunk in text.split("\n## ")[1:]:
        title, _, body = chunk.partition("\n")
        if title.strip() == "Machine":
            shared_machine = body.strip()
        else:
            sections[title.strip()] = "## " + chunk.strip() + "\n"
    if shared_machine:
        for title, body in sections.items():
            if "<details>" not in body:
                summary = "<details><summary>machine and command of this run</summary>"
                sections[title] = f"{body}\n{summary}\n\n{shared_machine}\n\n</details>\n"
    return sections


def merged(existing: str, *, machine: dict[str, str], outcomes: list[Outcome], parameters: str) -> str:
    """The document with the sections of these outcomes replaced (or added) and every other benchmark's
    section kept as it was: a run of one benchmark does not erase the figures of the others."""
    sections = _sections(existing)
    for outcome in outcomes:
        sections[outcome.benchmark.title] = section(machine=machine, outcome=outcome, parameters=parameters)
    return "\n".join([HEADER, *sections.values()]).rstrip() + "\n"


def write(path: Path, *, machine: dict[str, str], outcomes: list[Outcome], parameters: str) -> None:
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(merged(existing, machine=machine, outcomes=outcomes, parameters=parameters), encoding="utf-8")
