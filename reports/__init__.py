"""Managers' reports (an audience package: views, forms and URLs; no models)."""
