"""Dagster wiring of brukerstemme."""

import warnings

# MultiToSingleDimensionPartitionMapping is "beta" in Dagster 1.13; it is the documented way to
# map wave × unit partitions onto wave partitions, and tests cover how we use it.
warnings.filterwarnings("ignore", message=".*MultiToSingleDimensionPartitionMapping.*")
