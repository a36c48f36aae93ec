"""Practitioners: my day, the session log, plan progress and photos. Views, forms and URLs
only (no models); writes go through sessions_app.records and sessions_app.booking."""
