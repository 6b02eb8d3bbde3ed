"""Reasons a delivery file or row is rejected, as codes the ledger and quarantine use."""

from __future__ import annotations

# Whole-file reasons: the ledger's `reason`; the rows are quarantined as file_rejected:<code>.
UNREADABLE_FILE = "unreadable_file"
EMPTY_FILE = "empty_file"
UNIT_MISMATCH = "unit_mismatch"
UNIT_NOT_IN_CODE_LIST = "unit_not_in_code_list"
UNKNOWN_WAVE = "unknown_wave"
UNRECOGNIZED_FILE_NAME = "unrecognized_file_name"
MISSING_COLUMN = "missing_column"
SCHEMA_ERROR = "schema_error"
NOT_TEXT = "not_text"  # a .csv that is binary, a ZIP archive or UTF-16/32 text

# Landing entries that are no delivery (ledger rows, nothing read or archived).
SYMLINK = "symlink"  # a symbolic link: never followed, its target never read
HIDDEN_FILE = "hidden_file"  # a dot-prefixed entry (partial upload, OS metadata)
NOT_A_REGULAR_FILE = "not_a_regular_file"  # a folder inside a wave folder, a FIFO, a device

# Whole-file reasons whose file held no table to count (rows_in is 0).
NO_TABLE = frozenset({UNREADABLE_FILE, NOT_TEXT})
# Landing entries that were never opened (no sha256).
NOT_OPENED = frozenset({SYMLINK, HIDDEN_FILE, NOT_A_REGULAR_FILE})

# Row reasons (the quarantine's `reason`).
OUT_OF_RANGE = "out_of_range"
AGE_OUT_OF_RANGE = "age_out_of_range"
CONFLICTING_RESPONDENT_ID = "conflicting_respondent_id"
MISSING_RESPONDENT_ID = "missing_respondent_id"
INVALID_DATE = "invalid_date"
EXACT_DUPLICATE = "exact_duplicate"
FILE_REJECTED_PREFIX = "file_rejected:"


class FileRejected(Exception):
    """A whole delivery file cannot be used. Carries a reason code and a sentence for people."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
