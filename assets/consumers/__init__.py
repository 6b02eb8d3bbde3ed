"""Consumers of the published cell table: PDF reports and the static dashboard.

Pure functions, no Dagster imports. They read only the published tables (cells, units, answer
distribution), so they can never show more than the disclosure rules allow:

- `assets.consumers.pdf_reports.render_reports(cells, units, out_dir, manifest_id, workers=2)`
- `assets.consumers.pdf_reports.report_targets(units)`
- `assets.consumers.dashboard.build_dashboard(cells, units, distribution, out_dir)`
"""
