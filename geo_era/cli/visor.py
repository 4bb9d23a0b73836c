"""``geo-era case visor-extract``: the ViSOR activity-log extract of a decided case
(NASSO 3.3, 3.11), a thin adapter over :mod:`geo_era.services.visor`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo_era.cli._common import BY, JUSTIFY, caller, services
from geo_era.cli.cases import case_app


@case_app.command("visor-extract")
def case_visor_extract(
    case_id: Annotated[str, typer.Argument(help="The decided case, e.g. ERA-000042.")],
    out: Annotated[Path | None, typer.Option(
        help="Write it to FILE.txt (plain text) or FILE.pdf (the suffix sets the "
             "format), owner-only; without it the text is printed.")] = None,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
) -> None:
    """The ViSOR activity-log extract of a decided case: Part C (and Part D where the
    agencies disagreed) with the date, decision, lead agency and reasons, and where the
    full ERA is held (record it first with 'geo-era case held'); nothing of Parts A and
    B. Making it is a disclosure to ViSOR: it needs --justification and is audited."""
    from geo_era.services import visor  # (WeasyPrint for the PDF: heavy)

    if out is None:
        answer = visor.visor_extract(services(), caller(by), case_id=case_id,
                                     justification=justification)
        typer.echo(answer.text, nl=False)
        return
    size = visor.write_visor_extract(services(), caller(by), case_id=case_id, out=out,
                                     justification=justification)
    typer.echo(f"wrote the ViSOR extract of case {case_id} to {out} ({size:,} bytes)")
