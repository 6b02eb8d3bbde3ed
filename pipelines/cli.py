"""Command line: `brukerstemme generate | run | codebook check | demo | publish | status`.

- generate: write synthetic deliveries in the vendors' formats (see generator/).
- run:      materialize everything for the deliveries in the data dir's landing/.
            The data dir is BRUKERSTEMME_DATA_DIR (default ./data); the respondent keys need
            the secret BRUKERSTEMME_PSEUDONYM_KEY.
- codebook check: check a codebook (and delivered files) before any run; exit 1 on a problem.
- demo:     generate the sample waves into the demo dir, then run on it. The demo dir is
            --data-dir, else BRUKERSTEMME_DEMO_DIR, else ./data (never BRUKERSTEMME_DATA_DIR);
            a dir that holds anything the demo did not write (no .brukerstemme-demo) is refused.
            The demo uses the documented development pseudonym key.
- publish:  `publish --wave W --final` declares a wave's edition final.
- status:   units, held deliveries and editions per wave (`--wave W` for one).
- audit:    the provenance of one published figure (`audit --wave W --unit U --indicator I`),
            verified against the archive and the edition's manifest; `--json FILE` writes it
            as W3C PROV-JSON. Reads published/ and the restricted zone only, never Dagster.
The Dagster instance is DAGSTER_HOME.

Exit codes: 0 done; 1 some runs failed (listed at the end; the other units went on), or for
audit: the trail does not check out (what failed is listed); 2 usage or set-up error (unknown
option, missing pseudonym key, a demo dir that is not the demo's, no such published figure);
3 no deliveries in landing/.
"""

from __future__ import annotations

import argparse
import difflib
import gc
import logging
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assets.storage import DataZones

# The rest is imported by the command that needs it: a spawned worker (the PDF reports' pool)
# imports this module again as the `brukerstemme` script's, and with pandas, Arrow and Dagster
# loaded here that cost each worker ~0.75 s of every edition (tests/test_cli.py checks it).

EXIT_OK = 0
EXIT_RUNS_FAILED = 1
EXIT_USAGE = 2  # argparse's own code for a usage error
EXIT_NO_DELIVERIES = 3

DEMO_DIR_ENV = "BRUKERSTEMME_DEMO_DIR"
DEMO_MARKER = ".brukerstemme-demo"  # written by `demo` into its dir before generating anything


class CommandLineParser(argparse.ArgumentParser):
    """argparse without abbreviations whose errors name the subcommand and suggest the option
    or command that was probably meant (`--changed_only` → did you mean --changed-only?)."""

    commands: argparse._SubParsersAction | None = None

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_args(args, namespace)

    def options(self) -> list[str]:
        return [s for action in self._actions for s in action.option_strings]

    def error(self, message: str):
        unknown = message.removeprefix("unrecognized arguments: ")
        if unknown != message:
            parser = self._command_parser() or self
            hints = [
                _suggest(arg.split("=")[0], parser.options())
                for arg in unknown.split()
                if arg.startswith("-")
            ]
            parser.exit_with_usage(message + "".join(h for h in hints if h))
        choice = re.search(r"invalid choice: '([^']*)'", message)
        if choice and self.commands is not None:
            message += _suggest(choice.group(1), list(self.commands.choices))
        self.exit_with_usage(message)

    def exit_with_usage(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")

    def _command_parser(self) -> CommandLineParser | None:
        if self.commands is None:
            return None
        argv = getattr(self, "_argv", [])
        name = next((a for a in argv if a in self.commands.choices), None)
        return self.commands.choices.get(name) if name else None


def _suggest(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def build_parser() -> CommandLineParser:
    """Every subcommand and its options (the one place that defines the command line)."""
    from generator.cli import parser as generate_parser

    parser = CommandLineParser(
        prog="brukerstemme",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    parser.commands = commands
    commands.add_parser(
        "generate",
        parents=[generate_parser()],
        add_help=False,  # the generator's parser brings -h
        help="write synthetic deliveries (options: see generate --help)",
        description="Write synthetic survey deliveries in the vendors' formats, with truth files.",
    )
    run_parser = commands.add_parser(
        "run", help="materialize everything for the deliveries in landing/"
    )
    run_parser.add_argument(
        "--changed-only",
        action="store_true",
        help="only units with new or corrected files, and their waves",
    )
    demo = commands.add_parser(
        "demo", help="generate sample waves into the demo dir (not the data dir), then run"
    )
    demo.add_argument("--scale", type=float, default=1.0, help="respondents × factor (default 1)")
    demo.add_argument(
        "--data-dir",
        help=f"where the demo writes (default: ${DEMO_DIR_ENV}, else ./data); refused when it "
        f"holds anything the demo did not write (no {DEMO_MARKER} file)",
    )
    from pipelines import editions_cli

    editions_cli.add_commands(commands)
    audit_parser = commands.add_parser(
        "audit",
        help="the provenance of one published figure, checked against archive and manifest",
        description="The audit trail of one published cell: value, suppression decision, "
        "pool, edition, runs, code and codebook version, every contributing delivery, gates; "
        "verified against the archived files and the manifest (exit 1 if it does not check "
        "out). Counts and hashes only, never microdata.",
    )
    audit_parser.add_argument("--wave", type=int, required=True)
    audit_parser.add_argument("--unit", required=True, help="unit id: 4601, 030102, NO, HV, …")
    audit_parser.add_argument(
        "--indicator", required=True, help="indicator id (schemas/items.yaml)"
    )
    audit_parser.add_argument("--edition", help="edition (default: the wave's current edition)")
    audit_parser.add_argument("--unit-type", help="only when the unit id is ambiguous")
    audit_parser.add_argument("--measure", help="only when the indicator has several measures")
    audit_parser.add_argument("--json", type=Path, help="write the trail as W3C PROV-JSON here")
    audit_parser.add_argument(
        "--data-dir", type=Path, help="the data dir (default: $BRUKERSTEMME_DATA_DIR, else ./data)"
    )
    codebook = commands.add_parser("codebook", help="check a wave's codebook before any run")
    codebook_commands = codebook.add_subparsers(dest="codebook_command", required=True)
    check = codebook_commands.add_parser(
        "check",
        help="check a codebook (default: every codebook on the path) and, with --landing, the "
        "delivered files",
    )
    check.add_argument("codebook", nargs="?", type=Path, help="the codebook file (.yaml)")
    check.add_argument(
        "--landing", type=Path, help="the wave's delivered files (landing/ or landing/<wave>/)"
    )
    return parser


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


def _fail(command: str, message: str, code: int) -> int:
    print(f"brukerstemme {command}: {message}", file=sys.stderr)
    return code


def run(zones: DataZones, changed_only: bool = False) -> int:
    """Materialize the data dir's deliveries; the exit code (see the module's docstring)."""
    from assets.ingest.harmonize_wave import MissingPseudonymKey, pseudonym_key
    from pipelines.runner import NoDeliveries, NoInstance, RunsFailed, materialize_all

    try:
        pseudonym_key()
    except MissingPseudonymKey as exc:
        return _fail("run", f"{exc}; nothing was run", EXIT_USAGE)
    try:
        materialize_all(zones, changed_only=changed_only)
    except NoDeliveries as exc:
        return _fail("run", f"{exc}; nothing was ingested", EXIT_NO_DELIVERIES)
    except NoInstance as exc:
        return _fail("run", f"{exc}; nothing was run", EXIT_USAGE)
    except RunsFailed as exc:
        _print_outputs(zones)
        return _fail("run", str(exc), EXIT_RUNS_FAILED)
    _print_outputs(zones)
    return EXIT_OK


def audit(args: argparse.Namespace) -> int:
    """Print a published figure's verified trail; exit 1 when it does not check out."""
    from assets.audit.prov_export import ProvValidationError, write_prov
    from assets.audit.text import trail_text
    from assets.audit.trail import AuditError, build_trail
    from assets.storage import DataZones

    zones = DataZones(args.data_dir.resolve()) if args.data_dir else DataZones.from_env()
    if not (zones.published / "editions").is_dir():
        return _fail("audit", f"{zones.published} har ingen utgaver", EXIT_USAGE)
    try:
        trail = build_trail(
            zones, args.wave, args.unit, args.indicator, args.edition, args.unit_type, args.measure
        )
    except AuditError as exc:
        return _fail("audit", str(exc), EXIT_USAGE)
    print(trail_text(trail))
    if args.json is not None:
        try:
            write_prov(trail, args.json)
        except ProvValidationError as exc:
            return _fail("audit", f"PROV-JSON ble ikke skrevet: {exc}", EXIT_RUNS_FAILED)
        print(f"\nPROV-JSON: {args.json}")
    if not trail.ok:
        names = ", ".join(c.name for c in trail.failures())
        return _fail("audit", f"sporet stemmer ikke: {names}", EXIT_RUNS_FAILED)
    return EXIT_OK


def demo_dir(data_dir: str | None) -> Path:
    """The demo's own data dir: --data-dir, BRUKERSTEMME_DEMO_DIR or ./data."""
    return Path(data_dir or os.environ.get(DEMO_DIR_ENV) or "data").resolve()


def demo_dir_refusal(root: Path) -> str | None:
    """Why the demo must not write into `root`; None when it may (absent, empty or the demo's)."""
    if not root.exists() or (root / DEMO_MARKER).is_file():
        return None
    if not root.is_dir():
        return f"{root} is not a folder"
    if any(root.iterdir()):
        return (
            f"{root} holds files the demo did not write (no {DEMO_MARKER} in it), perhaps real "
            f"deliveries; the demo never mixes synthetic data into them. Give it an empty or "
            f"new folder (--data-dir DIR or {DEMO_DIR_ENV}=DIR), or remove {root} if it is an "
            f"old demo's"
        )
    return None


def demo(scale: float, data_dir: str | None) -> int:
    from assets.ingest.harmonize_wave import ALLOW_DEVELOPMENT_KEY_ENV
    from assets.storage import DATA_DIR_ENV, DataZones
    from generator.cli import main as generate_main

    root = demo_dir(data_dir)
    refusal = demo_dir_refusal(root)
    if refusal:
        return _fail("demo", f"{refusal}; nothing was written", EXIT_USAGE)
    root.mkdir(parents=True, exist_ok=True)
    (root / DEMO_MARKER).write_text(
        "Written by `brukerstemme demo`: everything in this folder is synthetic.\n",
        encoding="utf-8",
    )
    os.environ[DATA_DIR_ENV] = str(root)  # the Dagster resource and the worker processes
    os.environ[ALLOW_DEVELOPMENT_KEY_ENV] = "1"  # synthetic data: the development key
    generate_main(["--out", str(root), "--anomalies", "--scale", str(scale)])
    return run(DataZones(root))


def main(argv: list[str] | None = None) -> int:
    from assets.storage import DataZones

    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.command in ("publish", "status"):
        from pipelines import editions_cli

        return editions_cli.run_command(args, DataZones.from_env())
    if args.command == "generate":
        from generator.cli import main as generate_main

        return generate_main(argv[argv.index("generate") + 1 :])
    if args.command == "codebook":
        from quality.codebook_check import check_command

        return check_command(args.codebook, args.landing)
    if args.command == "audit":
        return audit(args)
    if args.command == "run":
        return run(DataZones.from_env(), changed_only=args.changed_only)
    return demo(args.scale, args.data_dir)


# Python's default collects every 700 new objects and scans every object in a full collection:
# with Dagster's definitions and a batch's frames alive, that was ~7 % of a unit batch's time
# (1.8 s of GC in 26 s, measured with gc.callbacks); at these thresholds, under 1 %.
GC_THRESHOLDS = (100_000, 50, 100)


def entry() -> None:
    """The `brukerstemme` command: main(), then its output flushed and the process ended at once.

    Tearing the interpreter down after a run (Dagster, pandas, Arrow, DuckDB, Great Expectations
    loaded) takes about two seconds and writes nothing: every run's events are committed and
    every file is in place (written under a temporary name and renamed) by then."""
    gc.set_threshold(*GC_THRESHOLDS)
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


if __name__ == "__main__":
    entry()
