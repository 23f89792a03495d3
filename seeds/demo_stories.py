"""The demo's stories: the story behind a curve, a root cause asked five times, partners'
contributions and residents' voices, in English and Spanish, at every visibility.

Deterministic (ids derive from names). Runs as the owner role, after seeds.demo_measures.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from seeds.demo import EMAIL_DOMAIN, demo_id
from seeds.demo_calendar import calendar
from services.periods import Granularity
from services.stories.models import Story, StoryKind
from services.visibility import Visibility

PUBLIC, MEMBERS, PRIVATE = Visibility.PUBLIC, Visibility.COLLABORATIVE, Visibility.PRIVATE

# key, subject ("indicator:<key>" or "measure:<partner>.<slug>"), kind, author, for partner,
# language, visibility, title, body, whys, (granularity, period start) or None
STORIES = (
    ("kready-curve", "indicator:kready", StoryKind.STORY_BEHIND_THE_CURVE, "backbone",
     "backbone", "en", PUBLIC, "Readiness is rising, but not for every child",
     "Readiness rose four points in three years, driven by new pre-K seats on the Northside. "
     "Latino children's readiness rose more slowly: the gap narrowed by one point only.",
     (), (Granularity.SCHOOL_YEAR, date(2024, 8, 1))),
    ("kready-why", "indicator:kready", StoryKind.ROOT_CAUSE, "resident", None, "es", PUBLIC,
     "¿Por qué tantos niños llegan al kínder sin estar listos?",
     "Lo preguntamos cinco veces en las conversaciones comunitarias del Eastside.",
     ("Muchos niños no asistieron a ningún programa preescolar.",
      "No había plazas cerca de casa ni en horario compatible con el trabajo.",
      "Los centros del Eastside cerraron durante la pandemia y no reabrieron.",
      "Los salarios de las maestras no alcanzan para pagar la renta en el barrio.",
      "El financiamiento por alumno no cubre el costo real del cuidado infantil."),
     None),
    ("screened-casa", "measure:casa.screened", StoryKind.PARTNER_CONTRIBUTION, "staff", "casa",
     "es", PUBLIC, "Evaluaciones a tiempo en las visitas a casa",
     "Desde 2024 las visitadoras llevan las evaluaciones del desarrollo a la casa de cada "
     "familia, en español y en inglés.", (), (Granularity.QUARTER, date(2024, 4, 1))),
    ("enrolled-works", "measure:casa.enrolled", StoryKind.WHAT_WORKS, "staff", "casa", "en",
     MEMBERS, "Parent groups bring families in",
     "Families who first came to a parent group enrolled in home visiting twice as often.",
     (), None),
    ("broadband-voice", "indicator:broadband", StoryKind.COMMUNITY_VOICE, "resident", None,
     "es", MEMBERS, "Internet en casa, no solo en la biblioteca",
     "Las familias cuentan que las tareas escolares se hacen en el estacionamiento de la "
     "biblioteca porque en casa no hay conexión.", (), None),
    ("confidence-curve", "measure:casa.confidence", StoryKind.STORY_BEHIND_THE_CURVE,
     "steward", "casa", "en", PRIVATE, "Confidence dipped when groups moved online",
     "Kept within Casa until we understand it: the dip follows the move to online groups.",
     (), None),
)  # fmt: skip


def _subject(ref: str) -> dict[str, UUID | None]:
    kind, key = ref.split(":")
    return {
        "measure_id": demo_id("measure", key) if kind == "measure" else None,
        "indicator_id": demo_id("indicator", key) if kind == "indicator" else None,
    }


async def seed_stories(session: AsyncSession, collaborative_id: UUID) -> None:
    """Write the demo's stories (the demo's accounts, partners and subjects exist)."""
    for (
        key,
        subject,
        kind,
        author,
        partner,
        language,
        visibility,
        title,
        body,
        whys,
        period,
    ) in STORIES:
        session.add(
            Story(
                collaborative_id=collaborative_id,
                id=demo_id("story", key),
                kind=kind,
                title=title,
                body=body,
                whys=list(whys),
                language=language,
                visibility=visibility,
                granularity=period[0] if period else None,
                period_start=calendar().period(*period) if period else None,
                author_account_id=demo_id("account", f"{author}@{EMAIL_DOMAIN}"),
                partner_id=demo_id("partner", partner) if partner else None,
                **_subject(subject),
            )
        )
    await session.flush()
