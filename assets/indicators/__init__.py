"""Pure indicator logic: estimates, unit memberships and pools, cells. No Dagster here."""
