"""Command line: `brukerstemme generate | run | demo | publish | status`.

- generate: write synthetic deliveries in the vendors' formats (see generator/).
- run:      materialize everything for the deliveries in the data dir's landing/.
- demo:     generate the default sample waves into the data dir, then run.
- publish:  `publish --wave W --final` declares a wave's edition final.
- status:   units, held deliveries and editions per wave (`--wave W` for one).
The data dir is BRUKERSTEMME_DATA_DIR (default ./data); the Dagster instance is DAGSTER_HOME.
"""

from __future__ import annotations

import argparse
import sys

from assets.storage import DataZones


def _print_outputs(zones: DataZones) -> None:
    print("\nOutputs:")
    for label, path in [
        ("ledger", zones.ledger),
        ("harmonized", zones.warehouse / "harmonized"),
        ("published cells", zones.published / "indicators.parquet"),
        ("mart", zones.published / "mart.duckdb"),
        ("reports", zones.published / "reports"),
        ("dashboard", zones.published / "dashboard" / "index.html"),
    ]:
        if path.exists():
            print(f"  {label:16} {path}")


def run(zones: DataZones, changed_only: bool = False) -> None:
    from pipelines.runner import materialize_all

    materialize_all(zones, changed_only=changed_only)
    _print_outputs(zones)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="brukerstemme",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "generate", help="write synthetic deliveries (options: see generate --help)", add_help=False
    )
    run_parser = sub.add_parser("run", help="materialize everything for the deliveries in landing/")
    run_parser.add_argument(
        "--changed-only",
        action="store_true",
        help="only units with new or corrected files, and their waves",
    )
    demo = sub.add_parser("demo", help="generate sample waves into the data dir, then run")
    demo.add_argument("--scale", type=float, default=1.0)
    from pipelines import editions_cli

    editions_cli.add_commands(sub)
    args, rest = parser.parse_known_args(argv)
    zones = DataZones.from_env()
    if args.command in ("publish", "status"):
        return editions_cli.run_command(args, zones)
    if args.command == "generate":
        from generator.cli import main as generate_main

        return generate_main(rest)
    if args.command == "run":
        run(zones, changed_only=args.changed_only)
        return 0
    from generator.cli import main as generate_main

    generate_main(["--out", str(zones.root), "--anomalies", "--scale", str(args.scale)])
    run(zones)
    return 0


if __name__ == "__main__":
    sys.exit(main())
