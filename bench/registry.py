"""The registry of benchmarks and what a benchmark returns."""

import inspect
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Case:
    """One measured thing: the seconds of each repetition and, optionally, the rows it handled."""

    name: str
    seconds: list[float]
    rows: int | None = None
    baseline: bool = False
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rows_per_second(self) -> float | None:
        return self.rows / self.median if self.rows and self.median > 0 else None


@dataclass
class Context:
    """What a benchmark gets: the size to use, how often to repeat, and its database."""

    quick: bool
    repeat: int | None  # None: the benchmark's own default
    fresh_database: Callable[[], None]
    log: Callable[[str], None] = print

    def repeats(self, default: int) -> int:
        return self.repeat or default

    def measure(self, action: Callable[[], object], *, repeat: int, before: Callable[[], object] | None = None):
        """Seconds of each of `repeat` runs of `action`; `before` runs untimed ahead of each one."""
        seconds = []
        for i in range(repeat):
            if before:
                before()
            started = time.perf_counter()
            action()
            seconds.append(time.perf_counter() - started)
            self.log(f"    run {i + 1}/{repeat}: {seconds[-1]:.2f} s")
        return seconds


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    run: Callable[[Context], list[Case]]
    description: str = ""


@dataclass
class Outcome:
    benchmark: Benchmark
    cases: list[Case]
    parameters: dict = field(default_factory=dict)

    @property
    def baseline(self) -> Case | None:
        return next((c for c in self.cases if c.baseline), None)

    def ratio(self, case: Case) -> float | None:
        """How many times the baseline's median this case takes (1.0 for the baseline itself)."""
        base = self.baseline
        return case.median / base.median if base and base.median > 0 else None


REGISTRY: dict[str, Benchmark] = {}


def register(*, name: str, title: str) -> Callable[[Callable[[Context], list[Case]]], Callable]:
    """Add a benchmark; its docstring becomes the description in docs/benchmarks.md."""

    def decorator(function: Callable[[Context], list[Case]]) -> Callable[[Context], list[Case]]:
        if name in REGISTRY:
            raise ValueError(f"two benchmarks are named {name!r}")
        description = " ".join(inspect.cleandoc(function.__doc__ or "").split())
        REGISTRY[name] = Benchmark(name=name, title=title, run=function, description=description)
        return function

    return decorator
