"""`brukerstemme publish --wave W --final` and `brukerstemme status [--wave W]`."""

from __future__ import annotations

import argparse

import dagster as dg

from assets.storage import DataZones


def publish_final(zones: DataZones, wave: int, instance: dg.DagsterInstance | None = None) -> str:
    """Declare a wave final (job publish_final), then make it current (build_all_waves)."""
    from assets.editions import store
    from pipelines.definitions import defs
    from pipelines.jobs import FINAL_JOB, NATIONAL_JOB

    instance = instance or dg.DagsterInstance.get()
    for job, key in ((FINAL_JOB, str(wave)), (NATIONAL_JOB, None)):
        result = defs.resolve_job_def(job).execute_in_process(
            instance=instance, partition_key=key, raise_on_error=False
        )
        if not result.success:
            raise RuntimeError(f"run {result.run_id} of {job} failed; see the Dagster UI")
    return store.read_current(zones)[wave]


def add_commands(sub: argparse._SubParsersAction) -> None:
    publish = sub.add_parser("publish", help="declare a wave's current figures final")
    publish.add_argument("--wave", type=int, required=True)
    publish.add_argument("--final", action="store_true", required=True)
    status = sub.add_parser("status", help="units, held deliveries and editions per wave")
    status.add_argument("--wave", type=int, default=None)


def run_command(args: argparse.Namespace, zones: DataZones) -> int:
    from assets.editions.status import status_text
    from schemas.codebook import codebooks

    if args.command == "publish":
        edition = publish_final(zones, args.wave)
        print(f"Måling {args.wave}: utgaven {edition} er publisert og gjeldende.")
        return 0
    waves = [args.wave] if args.wave is not None else sorted(codebooks())
    print("\n\n".join(status_text(zones, w) for w in waves))
    return 0
