"""The shared rate-limit table: one row per client and minute, summed by every process."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String
from sqlmodel import Field, SQLModel


class RateLimitUsage(SQLModel, table=True):
    """How much query cost a client spent in one minute, across every API process.

    `client` is a hash of who asked (an account, an API key, or an address for anonymous
    traffic): nobody reading the table learns an address or an id.
    """

    __tablename__ = "rate_limit_usage"

    window_id: int = Field(sa_column=Column(BigInteger, primary_key=True))  # minutes since 1970
    client: str = Field(sa_column=Column(String(64), primary_key=True))
    used: int = Field(sa_column=Column(BigInteger, nullable=False))
