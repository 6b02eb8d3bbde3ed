"""`brukerstemme generate`: write synthetic deliveries of every wave (see generator.core)."""

from __future__ import annotations

import argparse
import sys
import time

from generator.core import generate


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="brukerstemme generate",
        description="Write synthetic survey deliveries in the vendors' formats, with truth files.",
    )
    p.add_argument("--out", required=True, help="output folder (landing/, late/, truth/)")
    p.add_argument("--waves", nargs="+", type=int, help="waves to write (default: every codebook)")
    p.add_argument("--scale", type=float, default=1.0, help="respondents × factor (default 1)")
    p.add_argument(
        "--units",
        default="default",
        help="'default' (the wave's real number of units), 'all' (every unit of the code list) "
        "or a number",
    )
    p.add_argument("--anomalies", action="store_true", help="plant the problems of DELIVERY.md")
    p.add_argument("--seed", type=int, default=2017)
    p.add_argument("--respondents", type=int, help="total respondents per wave (overrides --scale)")
    p.add_argument(
        "--codebooks", nargs="*", default=None, help="extra codebook folders (new waves)"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    units = args.units if args.units in ("default", "all") else int(args.units)
    started = time.perf_counter()
    result = generate(
        args.out,
        waves=args.waves,
        scale=args.scale,
        units=units,
        anomalies=args.anomalies,
        seed=args.seed,
        respondents=args.respondents,
        codebook_dirs=args.codebooks,
    )
    for wave, w in result.waves.items():
        files = [f for f in result.files if f.wave == wave]
        print(
            f"wave {wave}: {len(w.units)} units, {w.respondents.n} respondents, {len(files)} files"
        )
    seconds = time.perf_counter() - started
    print(f"wrote {result.out_dir} in {seconds:.1f} s; truth in {result.truth_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
