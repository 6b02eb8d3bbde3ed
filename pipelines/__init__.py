"""Dagster wiring of brukerstemme."""
