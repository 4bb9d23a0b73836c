"""Commands for administration: users, the audit trail, the server."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from geo_era.cli._common import (
    BY,
    JUSTIFY,
    _settings,
    app,
    caller,
    echo_answer,
    services,
)

if TYPE_CHECKING:
    from geo_era.services.answers.admin import ChainHead

user_app = typer.Typer(help="Users: roles and organisations (no default credentials), "
                            "disabling them, resetting their second factor.",
                       no_args_is_help=True)


app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[str, typer.Option(help=(
        "omu_analyst, cjsw, solo, rsl_link_officer, mappa_coordinator, auditor or admin; "
        "a partner agency taking part in ERA cases (NASSO 3.6): nhs_liaison, "
        "sps_icm_coordinator, education_officer, childrens_social_work, "
        "adult_protection_officer, support_worker, or rsl_case_officer (a housing "
        "association's Link Officer, --org the landlord as the properties layer names "
        "it); contractor (a landlord's repairs contractor, --org the firm)."))],
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


HEAD = typer.Option(
    "--head", help="A head exported earlier with 'geo-era audit head' (JSON with seq and "
                   "hash), kept away from this host: the chain must still hold that entry "
                   "with that hash, and not end before it.")


def _read_head(path: Path | None) -> ChainHead | None:
    """The head exported to ``path``; a clear refusal for a file that is not one."""
    from pydantic import ValidationError

    from geo_era.services.answers.admin import ChainHead

    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise typer.BadParameter("the file cannot be read as text", param_hint="--head"
                                 ) from None
    try:
        return ChainHead.model_validate_json(text)
    except ValidationError as exc:
        wrong = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'the file'}: {e['msg']}"
                          for e in exc.errors(include_url=False, include_input=False))
        raise typer.BadParameter("not an exported audit head (a JSON object with seq and "
                                 f"hash, as 'geo-era audit head' writes): {wrong}",
                                 param_hint="--head") from None


@audit_app.command("verify")
def audit_verify(as_json: Annotated[bool, typer.Option("--json")] = False,
                 head: Annotated[Path | None, HEAD] = None) -> None:
    """Check the audit chain under the audit key (and against --head); exit code 3 when
    an entry was edited, deleted or moved, or entries were removed from the end."""
    from geo_era.services.admin import audit_verify as verify

    result = verify(services(), caller(), head=_read_head(head))
    if as_json:
        echo_answer(result)
    else:
        for problem in result.problems:
            typer.echo(problem)
        typer.echo(f"{result.entries} entries: "
                   f"{'intact' if result.intact else 'NOT INTACT'}"
                   + (" (and they hold the exported head)" if head and result.intact else ""))
    if not result.intact:
        raise typer.Exit(3)


@audit_app.command("head")
def audit_head(out: Annotated[Path | None, typer.Option(
        help="Write the head to this JSON file instead of printing it.")] = None) -> None:
    """Print the chain's head (last seq and hash, JSON) after verifying the chain; keep it
    somewhere other than this host, regularly, and check later with 'audit verify
    --head FILE'. Refused (exit code 3) when the chain is not intact."""
    from geo_era._io import PRIVATE, write_text
    from geo_era.errors import WorkflowRefusedError
    from geo_era.services.admin import audit_head as head

    try:
        found = head(services(), caller())
    except WorkflowRefusedError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(3) from None
    document = json.dumps(found.model_dump(mode="json")) + "\n"
    if out is None:
        typer.echo(document, nl=False)
        return
    write_text(out, document, mode=PRIVATE)
    typer.echo(f"the head (entry {found.seq}) written to {out}; keep a copy away from "
               "this host")


@audit_app.command("rekey")
def audit_rekey(justification: Annotated[str, JUSTIFY] = "",
                by: Annotated[str | None, BY] = None) -> None:
    """Key an audit chain written before geo_era keyed it (once, after upgrading): every
    entry's hash is recomputed under GEO_ERA_AUDIT_KEY (or the development key). It
    vouches for entries no key protected, so check the trail first; it is refused for a
    chain that is not sound or is keyed already, and it is audited. Export a new head
    after it."""
    from geo_era.services.admin import audit_rekey as rekey

    result = rekey(services(), caller(by), justification=justification)
    typer.echo(f"{result.rekeyed} entries re-keyed; the chain now ends at entry "
               f"{result.head.seq}: export its head again ('geo-era audit head')")


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
    head: Annotated[Path | None, HEAD] = None,
    by: Annotated[str | None, BY] = None,
) -> None:
    """Export audit entries, oldest first, with the verification of the whole chain (for
    auditors, DPA 2018 s62). The trail names subjects: exporting it needs
    --justification and is itself audited."""
    from geo_era._io import PRIVATE, write_text
    from geo_era.services.admin import audit_export as export

    result = export(services(), caller(by), justification=justification,
                    since=_moment(since, "--since"), until=_moment(until, "--until"),
                    after_seq=after_seq, limit=limit, head=_read_head(head))
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
