"""Versioned SQL files beside the migrations, run one statement at a time.

asyncpg prepares one statement per call, so a script is split at the semicolons that end
its statements: those outside comments, quoted strings and dollar-quoted function bodies.
"""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"


def statements(name: str) -> list[str]:
    """The statements of migrations/sql/<name>, in order."""
    return split((SQL_DIR / name).read_text(encoding="utf-8"))


def split(script: str) -> list[str]:
    result: list[str] = []
    current: list[str] = []
    i = 0
    dollar: str | None = None  # the tag of the dollar quote we are in
    quoted = False
    while i < len(script):
        ch = script[i]
        if dollar is not None:
            if script.startswith(dollar, i):
                current.append(dollar)
                i += len(dollar)
                dollar = None
                continue
        elif quoted:
            if ch == "'":
                quoted = False
        elif script.startswith("--", i):
            end = script.find("\n", i)
            i = len(script) if end < 0 else end
            continue
        elif ch == "'":
            quoted = True
        elif ch == "$":
            end = script.find("$", i + 1)
            tag = script[i : end + 1]
            if end > 0 and (tag == "$$" or tag[1:-1].isidentifier()):
                dollar = tag
                current.append(tag)
                i = end + 1
                continue
        elif ch == ";":
            statement = "".join(current).strip()
            if statement:
                result.append(statement)
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    if "".join(current).strip():
        result.append("".join(current).strip())
    return result
