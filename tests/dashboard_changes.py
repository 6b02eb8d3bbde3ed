"""A published change log for dashboard tests: the current edition of one wave against an
invented previous edition, made by the pipeline's own change-log code (assets.editions.records)."""

from __future__ import annotations

import pandas as pd
from fixtures_published import EDITIONS, Published

from assets.editions.records import cell_changes

WAVE = 2021
PREVIOUS = "final"
# an old share no published table holds: the dashboard must never embed it
OLD_SHARE = 0.432109


def change_log(pub: Published) -> pd.DataFrame:
    """Two moved figures and one newly withheld figure of Sogndal, and one held answer."""
    new = pub.cells[pub.cells["wave"] == WAVE].reset_index(drop=True)
    old = new.copy()
    sogndal = old.index[(old["unit_id"] == "4640") & ~old["suppressed"]][:2]
    old.loc[sogndal, "display"] = ["11 %", "12 %"]
    old.loc[sogndal, "share"] = OLD_SHARE
    withheld = old.index[(old["unit_id"] == "4640") & old["suppressed"]][:1]
    old.loc[withheld, ["suppressed", "display", "share"]] = [False, "13 %", OLD_SHARE]
    held = pd.DataFrame({"unit_id": ["4640"], "item": ["aftercare_followup"]})
    return cell_changes(old, new, EDITIONS[WAVE], PREVIOUS, held_answers=held)
