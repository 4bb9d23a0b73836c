"""The ``geo-era`` command line: one module per command group, each a thin adapter over
:mod:`geo_era.services`."""

from geo_era.cli._common import app
from geo_era.cli.main import main

__all__ = ["app", "main"]
