"""Commands for administration: users, the audit trail, the server."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from geo_era.cli._common import (
    BY,
    JUSTIFY,
    _echo_json,
    _settings,
    app,
    caller,
    echo_answer,
    services,
)

user_app = typer.Typer(help="Users: roles and organisations (no default credentials), "
                            "disabling them, resetting their second factor.",
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
    from geo_era.services.admin import add_user

    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise typer.BadParameter("the passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    added = add_user(services(), caller(), username=name, role=role, organisation=org,
                     password=password)
    typer.echo(f"added {added.username} ({added.role}, {added.organisation})")


@user_app.command("disable")
def user_disable(name: str, by: Annotated[str | None, BY] = None) -> None:
    """Disable a user: every session of theirs ends now, and their tokens, cookies and API
    keys are refused from the next request (audited)."""
    from geo_era.services.admin import set_user_active

    done = set_user_active(services(), caller(by), username=name, active=False)
    typer.echo(f"disabled {done.username}; {done.sessions_ended} session(s) ended")


@user_app.command("enable")
def user_enable(name: str, by: Annotated[str | None, BY] = None) -> None:
    """Enable a disabled user again (audited)."""
    from geo_era.services.admin import set_user_active

    done = set_user_active(services(), caller(by), username=name, active=True)
    typer.echo(f"enabled {done.username}")


@user_app.command("reset-2fa")
def user_reset_second_factor(name: str, by: Annotated[str | None, BY] = None) -> None:
    """Remove a user's second factor and recovery codes (a lost phone): they set up a new
    one at their next sign-in, and their sessions end now (audited)."""
    from geo_era.services.admin import reset_second_factor

    done = reset_second_factor(services(), caller(by), username=name)
    typer.echo(f"second factor of {done.username} reset: they set up a new one at their "
               f"next sign-in; {done.sessions_ended} session(s) ended")


audit_app = typer.Typer(help="The audit trail (DPA 2018 s62).", no_args_is_help=True)


app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check the audit chain; exit code 3 when an entry was edited, deleted or moved."""
    from geo_era.services.admin import audit_verify as verify

    result = verify(services(), caller())
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


def _moment(value: str | None, option: str) -> dt.datetime | None:
    """An ISO 8601 date or time (UTC when no offset is given)."""
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date or time; write YYYY-MM-DD or "
                                 "YYYY-MM-DDTHH:MM[:SS][+HH:MM]", param_hint=option) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@audit_app.command("export")
def audit_export(
    justification: Annotated[str, JUSTIFY] = "",
    since: Annotated[str | None, typer.Option(
        help="Entries at or after this date or time (ISO 8601; UTC unless an offset is "
             "given).")] = None,
    until: Annotated[str | None, typer.Option(
        help="Entries before this date or time (ISO 8601).")] = None,
    after_seq: Annotated[int, typer.Option(
        "--after-seq", help="Entries after this sequence number (page on from the last "
                            "one exported).", min=0)] = 0,
    limit: Annotated[int, typer.Option(help="Most entries exported.", min=1,
                                       max=10_000)] = 1_000,
    out: Annotated[Path | None, typer.Option(
        help="Write the export to this JSON file (readable by you only) instead of "
             "printing it.")] = None,
    by: Annotated[str | None, BY] = None,
) -> None:
    """Export audit entries, oldest first, with the verification of the whole chain (for
    auditors, DPA 2018 s62). The trail names subjects: exporting it needs
    --justification and is itself audited."""
    from geo_era._io import PRIVATE, write_text
    from geo_era.services.admin import audit_export as export

    result = export(services(), caller(by), justification=justification,
                    since=_moment(since, "--since"), until=_moment(until, "--until"),
                    after_seq=after_seq, limit=limit)
    if out is None:
        echo_answer(result)
        return
    write_text(out, json.dumps(result.model_dump(mode="json"), indent=2,
                               ensure_ascii=False) + "\n", mode=PRIVATE)
    seqs = [e.seq for e in result.entries]
    span = f" ({seqs[0]}-{seqs[-1]})" if seqs else ""
    typer.echo(f"{len(seqs)} audit entries{span} written to {out}; the chain of "
               f"{result.verification.entries} entries is "
               f"{'intact' if result.verification.intact else 'NOT INTACT'}"
               + ("; more follow (--after-seq)" if result.more else ""))


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
    audit trail. Workers share the sessions and the failed sign-in counter through the
    case store. uvicorn's own reading of X-Forwarded-For is off (it trusts 127.0.0.1 by
    default, so anything on the host could choose its address): geo_era reads it only
    from GEO_ERA_TRUSTED_PROXIES.
    """
    import uvicorn

    _settings()  # refuse bad settings before binding the port
    uvicorn.run("geo_era_api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False, server_header=False,
                proxy_headers=False, forwarded_allow_ips="")
