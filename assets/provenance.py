"""Where an output came from: the code version and the hashes of the rule files, reference data
and codebooks it was made with. Edition manifests and every asset's materialization metadata
record them, so an auditor can tell which code and rules made a number.

code_version is the git commit (and whether the working tree had changes) when the code runs
from a git checkout, and always the package version plus a SHA-256 over the source files, which
identifies the code where there is no git.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import subprocess
from pathlib import Path

from assets.storage import file_sha256

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("assets", "quality", "schemas", "reference", "pipelines", "generator")


def hash_files(paths: list[Path], root: Path = REPO) -> dict[str, str]:
    return {str(p.relative_to(root)): file_sha256(p) for p in sorted(paths) if p.is_file()}


def rule_files() -> dict[str, str]:
    return hash_files([*REPO.glob("quality/*.yaml"), *REPO.glob("schemas/*.yaml")])


def reference_files() -> dict[str, str]:
    return hash_files([p for p in (REPO / "reference" / "data").rglob("*") if p.is_file()])


def codebook_files() -> dict[str, str]:
    return hash_files(sorted((REPO / "schemas" / "codebooks").glob("*.yaml")))


def source_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(p for d in SOURCE_DIRS for p in (REPO / d).rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    for path in sorted((REPO / "assets" / "consumers" / "templates").glob("*")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def code_version() -> dict[str, object]:
    """git commit (and whether the tree was dirty) if known, package version and source hash."""
    out: dict[str, object] = {"source_sha256": source_hash()}
    try:
        out["package_version"] = importlib.metadata.version("brukerstemme")
    except importlib.metadata.PackageNotFoundError:
        out["package_version"] = None
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()  # fmt: skip
        out["git_commit"], out["git_dirty"] = commit, bool(dirty)
    except (OSError, subprocess.SubprocessError):
        out["git_commit"], out["git_dirty"] = None, None
    return out


def _digest(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


@functools.cache
def run_provenance() -> dict[str, str]:
    """What every asset's materialization records about the code and rules (computed once per
    process: a run uses one code version). The per-file hashes are in each edition's manifest;
    here one SHA-256 over each set of files (sha256 of the sorted JSON {path: sha256})."""
    code = code_version()
    commit = code.get("git_commit")
    label = f"git:{commit}{'+dirty' if code.get('git_dirty') else ''}" if commit else None
    return {
        "code_version": label or f"brukerstemme {code['package_version']}",
        "source_sha256": str(code["source_sha256"]),
        "rule_files_sha256": _digest(rule_files()),
        "codebooks_sha256": _digest(codebook_files()),
        "reference_sha256": _digest(reference_files()),
    }
