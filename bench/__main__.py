"""`python -m bench [ingest|indicators|publish|disclosure|all]`: run scenarios, print figures."""

from __future__ import annotations

import os
import sys

from bench import scenarios

# Benchmarks run on synthetic data: the documented development pseudonym key is fine.
os.environ.setdefault("BRUKERSTEMME_ALLOW_DEVELOPMENT_KEY", "1")


def main(argv: list[str]) -> int:
    names = argv or ["ingest"]
    if names == ["all"]:
        names = list(scenarios.SCENARIOS)
    unknown = [n for n in names if n not in scenarios.SCENARIOS]
    if unknown:
        print(f"unknown scenario(s) {unknown}; choose from {list(scenarios.SCENARIOS)} or all")
        return 2
    ok = True
    for name in names:
        ok &= scenarios.SCENARIOS[name]()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
