"""`tablero collaborative create|invite`, `tablero key revoke`, `tablero admin grant`: what an
operator does with the owner role, for a fresh deployment and in an emergency.

They run the same services as the API, as an operator (an instance admin without an
account): a collaborative is founded with its backbone organization, and its first backbone
stewards are invited; the links are printed for the operator to deliver.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer

from services.viewer import Viewer

T = TypeVar("T")
OPERATOR = Viewer(instance_admin=True)  # the owner role, bound by no row-level policy

collaborative_app = typer.Typer(help="Found collaboratives.", no_args_is_help=True)
key_app = typer.Typer(help="Partner systems' API keys.", no_args_is_help=True)
admin_app = typer.Typer(help="Instance admins.", no_args_is_help=True)


def _as_operator(work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work(session)` as the operator on the migrated database, committing if it ends
    well; user errors and configuration problems are printed, without a traceback."""
    from api.commands import CommandError, check_migrated, database_urls, fail, load_settings
    from api.database import Database
    from services import tables  # every table, so that foreign keys resolve when flushing
    from services.errors import DomainError

    assert tables.metadata is not None

    async def run(owner_url: str) -> T:
        database = Database.connect(owner_url, pool_size=1)
        try:
            async with database.unit_of_work(OPERATOR) as session:
                return await work(session)
        finally:
            await database.dispose()

    try:
        urls = database_urls(load_settings())
        asyncio.run(check_migrated(urls.owner))
        try:
            return asyncio.run(run(urls.owner))
        except DomainError as e:
            raise CommandError(str(e)) from e
    except CommandError as e:
        raise fail(e) from e


def _settings() -> Any:
    from api.commands import load_settings

    return load_settings()


@collaborative_app.command("create")
def create_collaborative(
    slug: str = typer.Option(..., help="Lower-case letters, digits and dashes."),
    name: str = typer.Option(...),
    backbone_name: str = typer.Option(..., help="The backbone organization's name."),
    steward: list[str] = typer.Option(..., help="A first backbone steward's e-mail (repeat)."),
    language: list[str] = typer.Option(["en"], help="A language (repeat); the first is default."),
    time_zone: str = typer.Option("UTC", help="An IANA name, e.g. America/Chicago."),
) -> None:
    """Found a collaborative with its backbone and invite its first backbone stewards."""
    from services.collaboratives import founding

    settings = _settings()
    data = {
        "slug": slug,
        "name": name,
        "backbone_name": backbone_name,
        "languages": language,
        "default_language": language[0] if language else "en",
        "time_zone": time_zone,
    }
    founded = _as_operator(
        lambda session: founding.found(
            session=session,
            viewer=OPERATOR,
            data=data,
            steward_emails=steward,
            default_days=settings.invitation_days,
        )
    )
    typer.echo(f"Founded '{founded.collaborative.slug}' with {founded.backbone.name}.")
    for issued in founded.invitations:
        _echo_invitation(settings, issued)


@collaborative_app.command("invite")
def invite_first_steward(
    collaborative: str = typer.Option(..., help="The collaborative's slug."),
    email: str = typer.Option(..., help="The first backbone steward's e-mail."),
) -> None:
    """Invite a first backbone steward (while the collaborative's backbone has nobody)."""
    from services.collaboratives import service as collaboratives
    from services.errors import DomainError, ErrorCode
    from services.invitations import service as invitations
    from services.invitations.models import InvitationRole

    settings = _settings()

    async def invite(session: Any) -> Any:
        found = await collaboratives.get_by_slug(session=session, slug=collaborative)
        backbone = await collaboratives.backbone_of(session=session, collaborative=found)
        if found is None or backbone is None:
            raise DomainError.single(
                ("collaborative",),
                ErrorCode.NOT_FOUND,
                f"no collaborative '{collaborative}' with a backbone organization",
            )
        return await invitations.invite(
            session=session,
            viewer=OPERATOR,
            collaborative_id=found.id,
            email=email,
            role=InvitationRole.BACKBONE_STEWARD,
            partner_id=backbone.id,
            default_days=settings.invitation_days,
        )

    _echo_invitation(settings, _as_operator(invite))


def _echo_invitation(settings: Any, issued: Any) -> None:
    expires = f"{issued.invitation.expires_at:%Y-%m-%d %H:%M} UTC"
    typer.echo(
        f"Invitation for {issued.invitation.email} (until {expires}); deliver this link:\n"
        f"  {settings.invitation_url(issued.code)}"
    )


@key_app.command("revoke")
def revoke_key(
    key: str = typer.Argument(..., help="The leaked key itself, or the prefix its list shows."),
) -> None:
    """Revoke a partner system's key at once (an emergency: a key leaked)."""
    from services.accounts import keys
    from services.errors import DomainError, ErrorCode

    async def revoke(session: Any) -> Any:
        found = await keys.revoke_by_secret_or_prefix(session=session, given=key)
        if not found:
            raise DomainError.single(("key",), ErrorCode.NOT_FOUND, "no active key matches")
        if len(found) > 1:
            raise DomainError.single(
                ("key",),
                ErrorCode.INVALID,
                f"{len(found)} active keys share this prefix: give the key itself",
            )
        return found[0]

    revoked = _as_operator(revoke)
    typer.echo(f"Revoked key {revoked.prefix}… ({revoked.name}).")


@admin_app.command("grant")
def grant_admin(
    email: str = typer.Option(..., help="The account's e-mail."),
    subject: str | None = typer.Option(
        None, help="Its identity provider's subject (`sub`), to create the account if needed."
    ),
    name: str | None = typer.Option(None, help="Its display name, for a new account."),
) -> None:
    """Make an account an instance admin (it founds collaboratives; it reads no data)."""
    from services.accounts.service import grant_instance_admin

    account = _as_operator(
        lambda session: grant_instance_admin(
            session=session, email=email, subject=subject, name=name
        )
    )
    typer.echo(f"{account.email} is an instance admin.")


def add_commands(app: typer.Typer) -> None:
    app.add_typer(collaborative_app, name="collaborative")
    app.add_typer(key_app, name="key")
    app.add_typer(admin_app, name="admin")
