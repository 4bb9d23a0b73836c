"""The ``geo-era`` entry point: every command group registered, errors made messages."""

from __future__ import annotations

import logging
import sys

import typer

from geo_era.cli import (  # noqa: F401  (registers the commands)
    admin,
    analysis,
    cases,
    child_protection,
    data,
    disclosures,
    documents,
    enquiries,
    homelessness,
    housing,
    live_voids,
    markers,
    notices,
    reports,
    reviews,
    visor,
    zones,
)
from geo_era.cli._common import _state, app, log
from geo_era.errors import GeoEraError


def main() -> None:
    """Entry point: run the app, turning errors into messages and exit codes.

    Usage errors are typer's own (exit code 2, with the usage line). geo_era errors are
    printed as their message (exit code 2). Anything else is an internal fault: logged
    without detail (exit code 1) unless ``--debug``.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except GeoEraError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        if _state["debug"]:
            raise
        log.error("internal error (%s); rerun with --debug for details", type(exc).__name__)
        sys.exit(1)
