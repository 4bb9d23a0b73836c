"""What every command group shares: the app, the operator, settings and output."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import BaseModel
from tqdm import tqdm

from geo_era.services import Caller, Services
from geo_era.settings import Settings, load_settings

app = typer.Typer(
    name="geo-era",
    help="Environmental risk assessment of housing under MAPPA (NASSO). Data in "
         "GEO_ERA_HOME (default data/store); distances in metres, EPSG:27700.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


log = logging.getLogger("geo_era")


_state: dict[str, Any] = {"debug": False}


BY = typer.Option(help="Who records this (default: your login name).")


JUSTIFY = typer.Option("--justification", help="Why you consult these records (DPA 2018 "
                                              "s62); recorded in the audit trail.")


OUT_GPKG = typer.Option("--out", help="Write the answer as a GeoPackage (FILE.gpkg, "
                                      "EPSG:27700) that opens styled in QGIS; owner-only.")


def check_gpkg(out: Path | None) -> None:
    """Refuse an ``--out`` that does not name a GeoPackage, before any work is done."""
    if out is not None and out.suffix.lower() != ".gpkg":
        raise typer.BadParameter("the answer is written as a GeoPackage: name the file "
                                 "*.gpkg", param_hint="--out")




def services() -> Services:
    """The services over GEO_ERA_HOME and its case store, for this run."""
    return Services(_settings())


def caller(by: str | None = None) -> Caller:
    """The local operator at the command line: their login (or --by), role
    ``operator``, organisation ``local``, unconfined (see
    :data:`geo_era.security.access.OPERATOR`)."""
    return Caller.operator(by or getpass.getuser())


def echo_answer(answer: BaseModel | list[BaseModel]) -> None:
    """Print a typed answer as the JSON document the API would send."""
    if isinstance(answer, list):
        _echo_json([a.model_dump(mode="json") for a in answer])
    else:
        _echo_json(answer.model_dump(mode="json"))


def _settings() -> Settings:
    return load_settings()




def _echo_json(document: object) -> None:
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))


@app.callback()
def _main(debug: Annotated[bool, typer.Option(
        "--debug", help="Show internal tracebacks (for developers).")] = False) -> None:
    _state["debug"] = debug




VOIDS = typer.Option("--voids", help="A CSV or GeoPackage list of candidate properties "
                                     "with a property_id or an address column (default: "
                                     "every void in the store). Addresses are matched to "
                                     "the properties layer; bad rows, and addresses held "
                                     "for confirmation, are reported; the rest are used.")


PROGRESS = typer.Option("--progress/--no-progress",
                        help="Show a progress bar on stderr (default: on a terminal, for "
                             "long runs).")



def _progress_bar(total: int, show: bool | None, what: str) -> tqdm[NoReturn]:
    """A tqdm bar on stderr: shown when asked, or by default on a terminal for more
    than one batch."""
    from geo_era.housing.screening import CHUNK

    disable: bool | None = (None if total > CHUNK else True) if show is None else not show
    return tqdm(total=total, unit=" voids", desc=what, file=sys.stderr, disable=disable)


def _echo_row_errors(errors: list[dict[str, Any]]) -> None:
    for error in errors:
        typer.echo(f"  row {error['row']} ({error['column']} {error['value']!r}): "
                   f"{error['problem']}", err=True)


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD",
                                 param_hint=option) from None


