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

IMPORT = """mutation($input: ImportObservationsInput!) { importObservations(input: $input) {
  import { rows status replayed format } userErrors { field code message } } }"""
PROGRESS = """query($id: ID!, $sha: String!) { importProgress(subjectId: $id, fileSha256: $sha) {
  phase rowsRead rowsExpected rowsWritten } }"""
POLL_SECONDS = 0.3
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
