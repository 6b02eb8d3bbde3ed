"""Small client for Statistics Norway's KLASS API, used by hand to refresh ``reference/data``.

Never called by the pipeline or the tests (which only exercise the parsing on canned JSON). Needs
network access to https://data.ssb.no/api/klass/v1/. Responses are cached on disk by URL, so a
refresh can be rerun offline once fetched. Classifications: 131 municipalities, 104 counties,
103 Oslo bydeler. Usage (see reference/README.md)::

    python -m reference.klass --to 2025-01-01 --out reference/data
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

BASE_URL = "https://data.ssb.no/api/klass/v1/"
MUNICIPALITIES, COUNTIES, BYDELER = "131", "104", "103"
DEFAULT_CACHE = Path(os.environ.get("BRUKERSTEMME_KLASS_CACHE", "~/.cache/brukerstemme/klass"))
# codes in classification 131 that are not municipalities (unknown, Svalbard, shelf, …)
_NOT_MUNICIPALITIES = ("9999", "21", "22", "23")


class KlassClient:
    """GET JSON from KLASS with an on-disk cache keyed by the full URL."""

    def __init__(
        self, cache_dir: Path | str = DEFAULT_CACHE, base_url: str = BASE_URL, timeout: float = 30
    ) -> None:
        self.cache_dir = Path(cache_dir).expanduser()
        self.base_url = base_url
        self.timeout = timeout

    def url(self, path: str, params: dict[str, str]) -> str:
        query = urllib.parse.urlencode(sorted(params.items()))
        return urllib.parse.urljoin(self.base_url, path) + (f"?{query}" if query else "")

    def get(self, path: str, params: dict[str, str], refresh: bool = False) -> dict[str, Any]:
        url = self.url(path, params)
        cached = self.cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")
        if cached.exists() and not refresh:
            return json.loads(cached.read_text(encoding="utf-8"))
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            payload = json.loads(response.read().decode("utf-8"))
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        tmp.replace(cached)
        return payload

    def codes(self, classification: str, start: str, end: str) -> dict[str, Any]:
        params = {"from": start, "to": end, "language": "nb", "includeFuture": "true"}
        return self.get(f"classifications/{classification}/codes", params)

    def changes(self, classification: str, start: str, end: str) -> dict[str, Any]:
        params = {"from": start, "to": end, "language": "nb"}
        return self.get(f"classifications/{classification}/changes", params)


def parse_codes(payload: dict[str, Any], end: str | None = None) -> pd.DataFrame:
    """KLASS ``/codes`` response -> code, name, valid_from, valid_to ('' = still valid).

    A validity reaching the requested end date means still valid. ``valid_from`` is clipped to the
    requested start date by KLASS.
    """
    rows = []
    for item in payload.get("codes", []):
        valid_to = item.get("validToInRequestedRange") or item.get("validTo") or ""
        rows.append(
            {
                "code": str(item["code"]),
                "name": str(item["name"]).strip(),
                "valid_from": item.get("validFromInRequestedRange") or item.get("validFrom") or "",
                "valid_to": "" if end is not None and valid_to >= end else valid_to,
            }
        )
    out = pd.DataFrame(rows, columns=["code", "name", "valid_from", "valid_to"])
    return out.sort_values(["code", "valid_from"], ignore_index=True)


def parse_changes(payload: dict[str, Any]) -> pd.DataFrame:
    """KLASS ``/changes`` response -> change_date, old_code, new_code (renames dropped)."""
    rows = [
        {
            "change_date": str(item["changeOccurred"]),
            "old_code": str(item["oldCode"]),
            "new_code": str(item["newCode"]),
        }
        for item in payload.get("codeChanges", [])
        if item.get("oldCode") and item.get("newCode") and item["oldCode"] != item["newCode"]
    ]
    out = pd.DataFrame(rows, columns=["change_date", "old_code", "new_code"]).drop_duplicates()
    return out.sort_values(["change_date", "old_code", "new_code"], ignore_index=True)


def classify_changes(changes: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Add ``kind`` (split/merge/renumber); a new code that existed the day before is a merge.

    For such absorbing codes (Stavanger 1103, Trondheim 5001 in 2020) a self row
    ``old_code == new_code`` of kind ``merge`` is added, as in the shipped snapshot.
    """
    rows = []
    for day, group in changes.groupby("change_date", sort=True):
        n_new = group.groupby("old_code").new_code.nunique()
        n_old = group.groupby("new_code").old_code.nunique()
        before = municipalities[
            (municipalities.valid_from < day)
            & ((municipalities.valid_to == "") | (municipalities.valid_to >= day))
        ]
        absorbing = set(group.new_code) & set(before.code) - set(group.old_code)
        for r in group.itertuples():
            if n_new[r.old_code] > 1:
                kind = "split"
            elif n_old[r.new_code] > 1 or r.new_code in absorbing:
                kind = "merge"
            else:
                kind = "renumber"
            rows.append((day, r.old_code, r.new_code, kind))
        rows += [(day, code, code, "merge") for code in sorted(absorbing)]
    out = pd.DataFrame(rows, columns=["change_date", "old_code", "new_code", "kind"])
    return out.sort_values(["change_date", "old_code", "new_code"], ignore_index=True)


def refresh_snapshot(
    out_dir: Path | str, end: str, start: str = "2017-01-01", client: KlassClient | None = None
) -> dict[str, int]:
    """Rewrite municipalities.csv, changes.csv and bydeler.csv from KLASS; check counties.csv.

    counties.csv (with its RHF column), population.csv and name_aliases.csv are curated by hand:
    this function only reports county codes that are missing there.
    """
    client = client or KlassClient()
    out = Path(out_dir)
    mun = parse_codes(client.codes(MUNICIPALITIES, start, end), end)
    mun = mun[~mun.code.str.startswith(_NOT_MUNICIPALITIES)].copy()
    mun.insert(2, "county", mun.code.str[:2])
    changes = classify_changes(parse_changes(client.changes(MUNICIPALITIES, start, end)), mun)
    byd = parse_codes(client.codes(BYDELER, start, end), end)
    byd = byd[byd.code.str.fullmatch(r"0301(0[1-9]|1[0-9])")].copy()
    byd.insert(2, "parent", "0301")
    counties = parse_codes(client.codes(COUNTIES, start, end), end)
    known = set(pd.read_csv(out / "counties.csv", dtype=str).code)
    missing = sorted(set(mun.county) - known)
    if missing:
        raise ValueError(f"add these counties (with RHF) to counties.csv first: {missing}")
    mun.to_csv(out / "municipalities.csv", index=False)
    changes.to_csv(out / "changes.csv", index=False)
    byd.to_csv(out / "bydeler.csv", index=False)
    sizes = {"municipalities": mun, "changes": changes, "bydeler": byd, "counties": counties}
    return {key: len(frame) for key, frame in sizes.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Refresh reference/data from SSB KLASS")
    parser.add_argument("--start", default="2017-01-01")
    parser.add_argument("--to", dest="end", default=date.today().isoformat())
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "data"))
    parser.add_argument("--cache", default=str(DEFAULT_CACHE))
    args = parser.parse_args(argv)
    print(refresh_snapshot(args.out, args.end, args.start, KlassClient(args.cache)))


if __name__ == "__main__":
    main()
