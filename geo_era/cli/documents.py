"""The command that writes an ERA document or a field sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo_era.cli._common import BY, JUSTIFY, app, caller, services


@app.command("era-document")
def era_document_command(
    case_id: Annotated[str, typer.Argument(help="The case, e.g. ERA-000042.")],
    out: Annotated[Path, typer.Option(
        help="Where to write it: FILE.pdf or FILE.html (the suffix sets the format).")],
    field_sheet: Annotated[str | None, typer.Option(
        "--field-sheet", metavar="PROPERTY_ID",
        help="Write the one-page physical-check field sheet (NASSO 3.8) of this "
             "candidate property instead.")] = None,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
) -> None:
    """Write a case's ERA document (Parts A-D, maps; OFFICIAL-SENSITIVE) or a field sheet.

    Part A is included: the local operator has need to know. Reading the case is
    audited and needs --justification. The file is written whole or not at all.
    """
    from geo_era.services.documents import write_era_document  # (Jinja, matplotlib: heavy)

    size = write_era_document(services(), caller(by), case_id=case_id, out=out,
                              field_sheet=field_sheet, justification=justification)
    what = f"field sheet of {field_sheet} in" if field_sheet else "ERA document of"
    typer.echo(f"wrote the {what} case {case_id} to {out} ({size:,} bytes)")
