"""A collaborative with every kind of viewer, subjects of every visibility, stories and
dashboards: the world the story and dashboard suites share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from schema.relay import to_global_id
from services.accounts.models import Account
from services.collaboratives.models import Collaborative
from services.dashboards.models import ChartKind, Dashboard, DashboardPanel
from services.indicators.models import Indicator
from services.measures.models import PerformanceMeasure
from services.partners.models import Partner, PartnerKind, ProfileVisibility
from services.stories.models import Story, StoryKind
from services.viewer import Role
from services.visibility import Visibility
from tests.factories import make_collaborative, make_member, make_partner
from tests.measurement_factories import make_dimension, make_indicator, make_measure, make_result


@dataclass
class World:
    collaborative: Collaborative
    casa: Partner
    other: Partner
    staff: Account  # of casa
    other_staff: Account  # of another partner
    resident: Account
    backbone: Account
    funder: Account
    outsider: Account  # a member of another collaborative
    indicator: Indicator  # public, ratified
    members_indicator: Indicator  # kept among members
    measures: dict[Visibility, PerformanceMeasure] = field(default_factory=dict)

    def gid(self, row: Any) -> str:
        kind = "Measure" if isinstance(row, PerformanceMeasure) else "Indicator"
        return to_global_id(kind, row.id)


async def make_world(session: AsyncSession) -> World:
    collaborative = await make_collaborative(session)
    race = await make_dimension(session, collaborative, "race_ethnicity", {"latino": "Latino/a"})
    backbone_partner = await make_partner(session, collaborative, kind=PartnerKind.BACKBONE)
    funder_partner = await make_partner(session, collaborative, kind=PartnerKind.FUNDER)
    casa = await make_partner(session, collaborative, name="Casa")
    other = await make_partner(session, collaborative, name="Other")
    result = await make_result(session, collaborative)
    elsewhere = await make_collaborative(session)
    world = World(
        collaborative=collaborative,
        casa=casa,
        other=other,
        staff=await make_member(session, collaborative, Role.PARTNER_STAFF, casa),
        other_staff=await make_member(session, collaborative, Role.PARTNER_STAFF, other),
        resident=await make_member(session, collaborative, Role.RESIDENT),
        backbone=await make_member(session, collaborative, Role.BACKBONE, backbone_partner),
        funder=await make_member(session, collaborative, Role.FUNDER, funder_partner),
        outsider=await make_member(session, elsewhere, Role.RESIDENT),
        indicator=await make_indicator(session, result, name="Ready", dimensions=(race,)),
        members_indicator=await make_indicator(
            session, result, name="Members only", visibility=ProfileVisibility.COLLABORATIVE
        ),
    )
    for visibility in Visibility:
        world.measures[visibility] = await make_measure(
            session,
            casa,
            name=f"casa-{visibility.value}",
            visibility=visibility,
            dimensions=(race,),
        )
    return world


async def make_story(
    session: AsyncSession, subject: Any, author: Account, **overrides: Any
) -> Story:
    column = "measure_id" if isinstance(subject, PerformanceMeasure) else "indicator_id"
    values = {
        "kind": StoryKind.STORY_BEHIND_THE_CURVE,
        "title": "Why the curve bends",
        "language": "en",
        "visibility": Visibility.PUBLIC,
        **overrides,
    }
    story = Story(
        collaborative_id=subject.collaborative_id,
        author_account_id=author.id,
        **{column: subject.id},
        **values,
    )
    session.add(story)
    await session.flush()
    return story


async def make_dashboard(
    session: AsyncSession,
    collaborative: Collaborative,
    creator: Account,
    subjects: list[Any],
    **overrides: Any,
) -> Dashboard:
    values = {"slug": "ours", "title": "Our dashboard", **overrides}
    dashboard = Dashboard(collaborative_id=collaborative.id, created_by=creator.id, **values)
    session.add(dashboard)
    await session.flush()
    for position, subject in enumerate(subjects):
        column = "measure_id" if isinstance(subject, PerformanceMeasure) else "indicator_id"
        session.add(
            DashboardPanel(
                collaborative_id=collaborative.id,
                dashboard_id=dashboard.id,
                position=position,
                chart=ChartKind.LINE,
                **{column: subject.id},
            )
        )
    await session.flush()
    return dashboard
