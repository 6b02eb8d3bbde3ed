"""Editions of a wave: immutable, with a manifest and a change log, switched in atomically.

- revisions: edition names and which late deliveries may be released (the hold rule).
- records:   change log, endringslogg.md and the manifest's hashes.
- store:     where editions live on disk, write-once folders and the single current pointer.
- flow:      compute a wave's candidate edition, write it, publish the current generation.
- status:    per wave: units invited, delivered, accepted, held, and the current edition.
"""
