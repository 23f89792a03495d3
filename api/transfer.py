"""The command line's spreadsheets: `tablero import`, `export` and `template`, over HTTP.

The commands are clients of a running Tablero like any other (the partner's own machine
needs no database): an import is the importObservations multipart request, its progress
`importProgress` asked for while the upload runs, and downloads are the GET routes.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import typer

IMPORT = """mutation($input: ImportObservationsInput!) { importObservations(input: $input) {
  import { rows status replayed format } userErrors { field code message } } }"""
PROGRESS = """query($id: ID!, $sha: String!) { importProgress(subjectId: $id, fileSha256: $sha) {
  phase rowsRead rowsExpected rowsWritten } }"""
POLL_SECONDS = 0.5  # each poll is a request the busy server answers too
TIMEOUT = httpx.Timeout(30.0, read=600.0)  # a large file takes a while to check and write


class TransferError(Exception):
    """The server could not be reached or refused the request; the message says why."""


@dataclass(frozen=True)
class Server:
    url: str
    headers: dict[str, str]

    @classmethod
    def of(cls, url: str, token: str | None, api_key: str | None) -> Server:
        if token and api_key:
            raise TransferError("give either --token or --api-key, not both")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if api_key:
            headers = {"X-Api-Key": api_key}
        return cls(url=url.rstrip("/"), headers=headers)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers, timeout=TIMEOUT)


def sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def import_file(
    server: Server,
    subject_id: str,
    path: Path,
    *,
    draft: bool,
    progress: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """The importObservations payload; `progress` is told how far the server has got."""
    variables = {"subjectId": subject_id, "file": None, "status": "DRAFT" if draft else "PUBLISHED"}
    operations = json.dumps({"query": IMPORT, "variables": {"input": variables}})
    sha = sha256_of(path)
    with server.client() as client, ThreadPoolExecutor(max_workers=1) as pool:

        def send() -> httpx.Response:  # on its own connection, while `client` asks progress
            with path.open("rb") as f, server.client() as uploader:
                return uploader.post(
                    "/graphql",
                    data={"operations": operations, "map": '{"0": ["variables.input.file"]}'},
                    files={"0": (path.name, f, "application/octet-stream")},
                )

        sending = pool.submit(send)
        while not sending.done():
            time.sleep(POLL_SECONDS)
            found = _ask(client, PROGRESS, {"id": subject_id, "sha": sha})
            if found.get("importProgress"):
                progress(found["importProgress"])
        response = _checked(_sent(sending))
    return response.json()["data"]["importObservations"]


def _ask(client: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    try:
        response = client.post("/graphql", json={"query": query, "variables": variables})
    except httpx.HTTPError:
        return {}  # progress is a nicety: the upload's own answer is what counts
    if response.status_code != 200:
        return {}
    return response.json().get("data") or {}


def _sent(sending: Any) -> httpx.Response:
    try:
        return sending.result()
    except httpx.HTTPError as e:
        raise TransferError(f"cannot reach Tablero: {e}") from e


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code == 200 and "errors" not in response.json():
        return response
    try:
        errors = response.json().get("errors") or []
        message = "; ".join(e.get("message", "") for e in errors)
    except ValueError:
        message = response.text[:200]
    raise TransferError(f"the server answered {response.status_code}: {message}")


def download(server: Server, route: str, subject_id: str, fmt: str, output: Path | None) -> Path:
    """GET /<route>/<id>.<fmt> into `output`, or into the file name the server suggests."""
    try:
        with server.client() as client:
            response = client.get(f"/{route}/{subject_id}.{fmt}")
    except httpx.HTTPError as e:
        raise TransferError(f"cannot reach Tablero: {e}") from e
    if response.status_code == 404:
        raise TransferError("no measure or indicator with this id (or not one you may read)")
    _checked_download(response)
    target = output or Path(_suggested(response) or f"{subject_id}.{fmt}")
    target.write_bytes(response.content)
    return target


def _checked_download(response: httpx.Response) -> None:
    if response.status_code != 200:
        raise TransferError(f"the server answered {response.status_code}: {response.text[:200]}")


def _suggested(response: httpx.Response) -> str | None:
    found = re.search(r'filename="([^"/\\]+)"', response.headers.get("content-disposition", ""))
    return found.group(1) if found else None


def described(error: dict[str, Any]) -> str:
    """A userError as a person reads it: `row 4, value: ...`."""
    field = error["field"]
    if field[:1] == ["file"] and len(field) > 1:
        where = f"row {field[1]}" + (f", {field[2]}" if len(field) > 2 else "")
    elif field == ["subjectId"]:
        where = "measure or indicator"
    else:
        where = ".".join(field)
    return f"{where}: {error['message']}"


# -- the commands -----------------------------------------------------------------------------

URL = typer.Option(
    "http://127.0.0.1:8000", "--url", envvar="TABLERO_URL", help="Where Tablero runs."
)
TOKEN = typer.Option(None, "--token", envvar="TABLERO_TOKEN", help="A bearer token.")
API_KEY = typer.Option(None, "--api-key", envvar="TABLERO_API_KEY", help="A partner's API key.")
MEASURE = typer.Option(None, "--measure", help="A measure's id (as the API gives it).")
INDICATOR = typer.Option(None, "--indicator", help="An indicator's id (the backbone's).")
FORMAT = typer.Option("csv", "--format", help="csv or xlsx.")
OUTPUT = typer.Option(None, "--output", "-o", help="File to write (default: the server's name).")


def _subject(measure: str | None, indicator: str | None) -> str:
    if (measure is None) == (indicator is None):
        raise TransferError("give one of --measure or --indicator")
    return (measure or indicator or "").strip()


def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .csv or .xlsx file."),
    measure: str | None = MEASURE,
    indicator: str | None = INDICATOR,
    draft: bool = typer.Option(False, "--draft", help="Import as drafts, seen only by you."),
    url: str = URL,
    token: str | None = TOKEN,
    api_key: str | None = API_KEY,
) -> None:
    """Import a spreadsheet of observations: every row, or none and every problem listed."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    columns = (TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn())
    try:
        subject = _subject(measure, indicator)
        server = Server.of(url, token, api_key)
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("uploading", total=None)

            def show(p: dict[str, Any]) -> None:
                done = p["rowsWritten"] if p["phase"] == "WRITING" else p["rowsRead"]
                total = p["rowsExpected"] or None
                bar.update(task, description=p["phase"].lower(), completed=done, total=total)

            payload = import_file(server, subject, file, draft=draft, progress=show)
    except TransferError as e:
        raise _fail(e) from e
    if payload["userErrors"]:
        for error in payload["userErrors"]:
            typer.echo(described(error), err=True)
        typer.secho(
            f"tablero: {file.name} was not imported: nothing was written.",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(code=1)
    done = payload["import"]
    if done["replayed"]:
        typer.echo(f"{file.name} was imported before ({_rows(done['rows'])}): nothing written.")
    else:
        typer.echo(f"Imported {_rows(done['rows'])} from {file.name} ({done['status'].lower()}).")


def _rows(count: int) -> str:
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


def _download(
    route: str,
    measure: str | None,
    indicator: str | None,
    fmt: str,
    output: Path | None,
    url: str,
    token: str | None,
    api_key: str | None,
) -> None:
    try:
        if fmt not in ("csv", "xlsx"):
            raise TransferError("--format is csv or xlsx")
        server = Server.of(url, token, api_key)
        written = download(server, route, _subject(measure, indicator), fmt, output)
    except TransferError as e:
        raise _fail(e) from e
    typer.echo(f"Wrote {written}")


def export_command(
    measure: str | None = MEASURE,
    indicator: str | None = INDICATOR,
    fmt: str = FORMAT,
    output: Path | None = OUTPUT,
    url: str = URL,
    token: str | None = TOKEN,
    api_key: str | None = API_KEY,
) -> None:
    """Download a measure's or an indicator's observations, in the columns import reads."""
    _download("export/observations", measure, indicator, fmt, output, url, token, api_key)


def template_command(
    measure: str | None = MEASURE,
    indicator: str | None = INDICATOR,
    fmt: str = FORMAT,
    output: Path | None = OUTPUT,
    url: str = URL,
    token: str | None = TOKEN,
    api_key: str | None = API_KEY,
) -> None:
    """Download the empty spreadsheet to fill in for a measure or an indicator."""
    _download("templates", measure, indicator, fmt, output, url, token, api_key)


def _fail(error: TransferError) -> typer.Exit:
    typer.secho(f"tablero: {error}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def add_commands(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("export")(export_command)
    app.command("template")(template_command)
