"""`brukerstemme codebook check`: a wave's codebook checked before any run. Pure; no Dagster.

Checks what the test suite checks for the shipped codebooks, for any codebook file:
- it parses and fits the harmonized questionnaire (schemas.codebook does that on load);
- every label means the same harmonized value as in every other wave (a reversed or swapped
  label is caught when another wave already uses it);
- with delivered files (`landing`, the wave's folder or a folder holding it): every file name
  matches the codebook's pattern, every raw column is mapped or ignored, every column the
  codebook names is delivered, every SPSS value label is mapped and documented, and every
  delivered value of a coded column is known.

A delivered value that is not in its value set is a problem when it is common: it then looks
like a gap in the codebook rather than a keying error, which the pipeline quarantines. Values
are reported with their column and counts; free-text columns are never read into the report.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from assets.ingest.errors import FileRejected
from assets.ingest.readers import read_delivery
from assets.ingest.tokens import tokenize
from schemas.codebook import Codebook, CodebookError, codebooks, load_codebook, normalize_label

# An unknown value delivered in more rows than this share of the wave's rows (and in at least
# two rows) is a codebook gap, not a keying error.
COMMON_UNKNOWN_SHARE = 0.01


@dataclass
class CodebookReport:
    source: Path
    wave: int | None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        head = f"Kodebok {self.source}" + (f" (bølge {self.wave})" if self.wave else "")
        lines = [head, f"  leveranser kontrollert: {self.files_checked}"]
        lines += [f"  FEIL: {p}" for p in self.problems]
        lines += [f"  merknad: {n}" for n in self.notes]
        lines.append("  resultat: " + ("i orden" if self.ok else f"{len(self.problems)} feil"))
        return "\n".join(lines)


def label_conflicts(book: Codebook, others: Mapping[int, Codebook]) -> list[str]:
    """Labels this codebook maps to another harmonized value than some other wave does."""
    meaning: dict[tuple[str, str], dict[object, set[int]]] = defaultdict(lambda: defaultdict(set))
    for wave, other in {**others, book.wave: book}.items():
        for variable in other.variables.values():
            if variable.type != "values":
                continue
            for label, value in other.value_sets[variable.values].labels.items():
                meaning[(variable.to, label)][str(value)].add(wave)
    out = []
    for (item, label), values in sorted(meaning.items()):
        if len(values) > 1 and any(book.wave in waves for waves in values.values()):
            seen = "; ".join(f"{v} i {sorted(w)}" for v, w in sorted(values.items()))
            out.append(f"etiketten «{label}» for {item} betyr ulike verdier: {seen}")
    return out


def _delivered_files(book: Codebook, landing: Path) -> list[Path]:
    folder = landing / str(book.wave) if (landing / str(book.wave)).is_dir() else landing
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink())


def _spss_labels(path: Path, book: Codebook) -> list[str]:
    import pyreadstat

    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    out = []
    for column, labels in meta.variable_value_labels.items():
        variable = book.variables.get(column)
        if column == book.unit_column or variable is None or variable.type != "values":
            continue
        value_set = book.value_sets[variable.values]
        for code, label in labels.items():
            documented = value_set.codes.get(str(int(code)))
            if normalize_label(label) not in value_set.labels:
                out.append(f"{path.name}: {column} kode {int(code)} har etiketten «{label}» "
                           "som kodeboken ikke kjenner")  # fmt: skip
            elif value_set.match == "codes" and documented != label:
                out.append(f"{path.name}: {column} kode {int(code)}: filen sier «{label}», "
                           f"kodeboken «{documented}»")  # fmt: skip
    return out


def check_landing(book: Codebook, landing: Path, report: CodebookReport) -> None:
    unknown: Counter[tuple[str, str]] = Counter()
    unknown_files: dict[tuple[str, str], set[str]] = defaultdict(set)
    rows = 0
    for path in _delivered_files(book, landing):
        if not book.file_name_pattern.match(path.name):
            report.problems.append(f"{path.name}: filnavnet følger ikke kodebokens mønster")
            continue
        try:
            table = read_delivery(path, book)
        except FileRejected as exc:
            report.notes.append(f"{path.name}: kan ikke kontrolleres ({exc.reason})")
            continue
        report.files_checked += 1
        if book.format == "spss":
            report.problems += _spss_labels(path, book)
        columns = set(table.frame.columns) - {"source_row"}
        for column in sorted(columns - book.known_columns()):
            report.problems.append(
                f"{path.name}: kolonnen {column} er verken kartlagt eller ignorert"
            )
        for column in sorted(book.known_columns() - columns):
            report.problems.append(f"{path.name}: kodeboken nevner kolonnen {column}, som mangler")
        tokens = tokenize(table.frame, book)
        rows += len(table.frame)
        for name, variable in book.variables.items():
            if variable.type != "values" or name not in tokens:
                continue
            value_set = book.value_sets[variable.values]
            for token, count in tokens[name].dropna().value_counts().items():
                if not value_set.harmonize(str(token))[0]:
                    unknown[(name, str(token))] += int(count)
                    unknown_files[(name, str(token))].add(path.name)
    for (column, token), count in sorted(unknown.items()):
        where = f"{count} rader i {len(unknown_files[(column, token)])} filer"
        if count >= 2 and count > COMMON_UNKNOWN_SHARE * rows:
            report.problems.append(f"kolonnen {column}: verdien «{token}» er ukjent ({where})")
        else:
            report.notes.append(
                f"kolonnen {column}: verdien «{token}» er utenfor skalaen ({where}); "
                "radene settes i karantene"
            )


def check_codebook(path: Path, landing: Path | None = None) -> CodebookReport:
    """Check the codebook file at `path` (and, with `landing`, the wave's delivered files)."""
    report = CodebookReport(source=path, wave=None)
    try:
        book = load_codebook(path)
    except (CodebookError, OSError, ValueError) as exc:
        report.problems.append(f"kodeboken kan ikke leses: {exc}")
        return report
    report.wave = book.wave
    others = {w: b for w, b in codebooks().items() if b.source.resolve() != path.resolve()}
    if book.wave in others:
        report.notes.append(
            f"bølge {book.wave} har også kodeboken {others.pop(book.wave).source}; "
            "den er holdt utenfor sammenligningen"
        )
    report.problems += label_conflicts(book, others)
    if landing is not None:
        if not landing.is_dir():
            report.problems.append(f"leveransemappen {landing} finnes ikke")
        else:
            check_landing(book, landing, report)
    return report


def check_command(codebook: Path | None, landing: Path | None, echo=print) -> int:
    """`brukerstemme codebook check [CODEBOOK] [--landing DIR]`: report and exit code (0 when
    every checked codebook is in order, 1 otherwise). Without a codebook, every codebook on the
    path (the project's and BRUKERSTEMME_CODEBOOKS) is checked."""
    paths = [codebook] if codebook is not None else [b.source for b in codebooks().values()]
    reports = [check_codebook(p, landing) for p in paths]
    for report in reports:
        echo(report.text())
    return 0 if all(r.ok for r in reports) else 1
