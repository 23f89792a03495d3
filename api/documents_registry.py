"""`tablero documents register DIR`: a front end's .graphql files become trusted documents.

Every file must parse and validate against the schema before any is stored, so a front end
never ships an id that the server would refuse. Runs as the owner role, as migrations do.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from graphql import GraphQLError, parse, validate

from api.database import Database
from schema.root import build_schema
from services.documents import service as documents
from services.viewer import ANONYMOUS


class InvalidDocumentsError(Exception):
    """Files that are not documents this schema runs; nothing was registered."""


def read_documents(directory: Path) -> dict[str, str]:
    """The text of every .graphql file under `directory`, by its path relative to it."""
    if not directory.is_dir():
        raise InvalidDocumentsError(f"{directory} is not a directory")
    found = {
        str(path.relative_to(directory)): path.read_text(encoding="utf-8")
        for path in sorted(directory.rglob("*.graphql"))
    }
    if not found:
        raise InvalidDocumentsError(f"no .graphql file under {directory}")
    schema = build_schema()._schema
    problems = []
    for source, text in found.items():
        try:
            errors = validate(schema, parse(text))
        except GraphQLError as e:
            errors = [e]
        problems += [f"{source}: {e.message}" for e in errors]
    if problems:
        raise InvalidDocumentsError("\n".join(problems))
    return found


async def register_all(owner_url: str, found: Mapping[str, str]) -> dict[str, str]:
    """Store `found` as trusted documents in one transaction; their ids by source."""
    database = Database.connect(owner_url, pool_size=1)
    try:
        async with database.unit_of_work(ANONYMOUS) as session:
            return await documents.register(session=session, documents=found)
    finally:
        await database.dispose()
