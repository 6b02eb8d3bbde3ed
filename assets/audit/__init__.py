"""The audit trail of one published figure (`brukerstemme audit`), built from published/ and the
restricted zone alone (no Dagster instance): trail.py gathers and verifies it, prov_export.py
writes it as W3C PROV-JSON."""
