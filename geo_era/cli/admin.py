"""Commands for administration: users, the audit trail, the server."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from geo_era.cli._common import _cases, _echo_json, _settings, app

user_app = typer.Typer(help="Users: roles and organisations (no default credentials).",
                       no_args_is_help=True)


app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[str, typer.Option(help="omu_analyst, cjsw, solo, rsl_link_officer, "
                                           "mappa_coordinator, auditor or admin.")],
    org: Annotated[str, typer.Option(help="The user's organisation, e.g. a council.")],
) -> None:
    """Add a user; the password is read from standard input (asked twice on a terminal)."""
    from geo_era.security.users import add_user

    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise typer.BadParameter("the passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    identity = add_user(_cases(), name, role=role, organisation=org, password=password)
    typer.echo(f"added {identity.username} ({identity.role}, {identity.organisation})")


audit_app = typer.Typer(help="The audit trail (DPA 2018 s62).", no_args_is_help=True)


app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check the audit chain; exit code 3 when an entry was edited, deleted or moved."""
    from geo_era.security.audit import verify

    result = verify(_cases())
    if as_json:
        _echo_json({"entries": result.entries, "intact": result.intact,
                    "problems": result.problems})
    else:
        for problem in result.problems:
            typer.echo(problem)
        typer.echo(f"{result.entries} entries: "
                   f"{'intact' if result.intact else 'NOT INTACT'}")
    if not result.intact:
        raise typer.Exit(3)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(
        help="Worker processes (one per core suits; each holds the layers in memory).",
        min=1, max=64)] = 1,
) -> None:
    """Serve the HTTP API (uvicorn) over GEO_ERA_HOME's data and case store.

    The access log is off: it would record who asked for what and when outside the
    audit trail.
    """
    import uvicorn

    settings = _settings()  # refuse bad settings before binding the port
    if workers > 1 and settings.environment != "production" and not settings.secret_key:
        raise typer.BadParameter("several workers must share a signing key: set "
                                 "GEO_ERA_SECRET_KEY (32+ characters)", param_hint="--workers")
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False, server_header=False)
