"""Dagster wiring of brukerstemme."""

import warnings

# Two "beta" APIs of Dagster 1.13 that the design relies on, each covered by tests of how we
# use it: MultiToSingleDimensionPartitionMapping (wave × unit partitions onto wave partitions)
# and `backfill_policy` (many unit partitions materialized in one run). Their warning would be
# printed by every process that loads the definitions.
warnings.filterwarnings("ignore", message=".*MultiToSingleDimensionPartitionMapping.*")
warnings.filterwarnings("ignore", message=".*`backfill_policy`.*")
