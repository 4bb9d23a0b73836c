"""geo_era's HTTP adapter (FastAPI): parses requests, checks who is asking, calls the core.

No analysis lives here; see :mod:`geo_era`.
"""
