"""Reading a GraphQL operation out of an HTTP request, refusing what cannot be one.

Everything a client controls is bounded or checked here before the schema sees it: the
body's size (413), its encoding and JSON (400), how deeply it nests, and the shape of the
request's parameters. Refusals carry a code from schema/error_codes.py, never a 500.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from strawberry.file_uploads.utils import replace_placeholders_with_files

from schema.error_codes import GraphQLErrorCode, error_body
from services.text import unstorable

MAX_NESTING = 64  # levels of JSON objects and arrays; deeper is never a real request
JSON_TYPES = ("application/json", "application/graphql-response+json")
MULTIPART = "multipart/form-data"
MAX_FILES = 4  # importObservations takes one file; a few more is still a mistake
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class RequestError(Exception):
    """A request answered with an error before (or instead of) running any operation."""

    def __init__(
        self,
        status: int,
        code: GraphQLErrorCode,
        message: str,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.extensions = extensions

    def response(self, media_type: str = "application/json") -> Response:
        """The refusal as an answer; never stored by a cache (a refused id may be
        registered a moment later)."""
        body = json.dumps(
            error_body(self.code, self.message, **self.extensions), separators=(",", ":")
        ).encode()
        return Response(
            body,
            status_code=self.status,
            media_type=media_type,
            headers={"Cache-Control": "no-store", **self.headers},
        )


def bad_input(message: str) -> RequestError:
    return RequestError(400, GraphQLErrorCode.BAD_USER_INPUT, message)


@dataclass(frozen=True, slots=True)
class Operation:
    """What a client asked for: a document, a registered document's id, or the hash of an
    automatic persisted query (with or without its text), and its inputs."""

    query: str | None
    document_id: str | None
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None
    persisted_hash: str | None = None  # extensions.persistedQuery.sha256Hash (Apollo's APQ)


def is_upload(request: Request) -> bool:
    """A multipart request: files for importObservations."""
    content_type = request.headers.get("content-type", "")
    return request.method == "POST" and content_type.split(";")[0].strip().lower() == MULTIPART


async def read_operation(
    request: Request, *, max_body_bytes: int, max_upload_bytes: int
) -> Operation:
    """The operation a GET's query string, a POST's JSON body, or a POST's multipart form
    (the GraphQL multipart request spec: files for importObservations) describes."""
    if request.method == "GET":
        params = dict(request.query_params)
        for name in ("variables", "extensions"):
            if params.get(name):
                params[name] = decode_json(params[name].encode(), f"the {name} parameter")
            else:
                params.pop(name, None)
        return operation_of(params)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == MULTIPART:
        return await read_upload(request, max_upload_bytes)
    if media_type not in JSON_TYPES:
        raise RequestError(
            415,
            GraphQLErrorCode.BAD_USER_INPUT,
            "send the operation as JSON (Content-Type: application/json)",
        )
    return operation_of(decode_json(await read_body(request, max_body_bytes), "the body"))


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_upload(request: Request, limit: int) -> Operation:
    """A multipart request (`operations`, `map`, then the files): the files take the places
    `map` names in the operation's variables. Its length must be declared and within
    `limit`: files are not read into memory, and a body that would exceed it is refused
    before any part is parsed."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise RequestError(
            411, GraphQLErrorCode.BAD_USER_INPUT, "an upload must declare its Content-Length"
        )
    if int(declared) > limit:
        raise _too_large(int(declared), limit)
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES + 2)
    except (MultiPartException, ValueError) as e:
        raise bad_input(f"the multipart body cannot be read: {e}") from e
    fields = {}
    for name in ("operations", "map"):
        value = form.get(name)
        if not isinstance(value, str):
            raise bad_input(f"a multipart request needs the `{name}` field")
        fields[name] = decode_json(value.encode(), f"the {name} field")
    files_map = fields["map"]
    if not isinstance(files_map, dict) or not all(
        isinstance(paths, list) and all(isinstance(p, str) for p in paths)
        for paths in files_map.values()
    ):
        raise bad_input("`map` must name, for each file, the variables it fills")
    files = {}
    for key in files_map:
        upload = form.get(key)
        if not isinstance(upload, UploadFile):
            raise bad_input(f"`map` names the file {key!r}, which was not sent")
        files[key] = upload
    try:
        operations = replace_placeholders_with_files(fields["operations"], files_map, files)
    except (KeyError, IndexError, TypeError, ValueError) as e:
        raise bad_input("`map` names a variable the operation does not have") from e
    return operation_of(operations)


def _too_large(size: int, limit: int) -> RequestError:
    return RequestError(
        413,
        GraphQLErrorCode.PAYLOAD_TOO_LARGE,
        f"the body is larger than {limit} bytes",
        limit=limit,
    )


def decode_json(raw: bytes, what: str) -> Any:
    """JSON as a client sent it: UTF-8, no NaN or Infinity, nested at most MAX_NESTING deep."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise bad_input(f"{what} is not UTF-8 text (byte {e.start} is not valid)") from e
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as e:
        raise bad_input(f"{what} nests deeper than {MAX_NESTING} levels") from e
    except ValueError as e:  # JSONDecodeError, and the constants refused below
        raise bad_input(f"{what} is not JSON: {e}") from e
    if _nesting(value) > MAX_NESTING:
        raise bad_input(f"{what} nests deeper than {MAX_NESTING} levels")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _nesting(value: Any) -> int:
    """How many levels of objects and arrays `value` has (iteratively: any depth is safe)."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        current, depth = pending.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_NESTING:
            return deepest
        pending.extend((child, depth + 1) for child in children)
    return deepest


def operation_of(data: Any) -> Operation:
    if isinstance(data, list):
        raise bad_input("send one operation per request: batches are not accepted")
    if not isinstance(data, dict):
        raise bad_input("the request must be a JSON object")
    texts = {name: data.get(name) for name in ("query", "documentId", "operationName")}
    for name, value in texts.items():
        if value is not None and not isinstance(value, str):
            raise bad_input(f"`{name}` must be a string")
        if isinstance(value, str) and (reason := unstorable(value)):
            raise bad_input(f"`{name}`: {reason}")
    for name in ("variables", "extensions"):
        if data.get(name) is not None and not isinstance(data[name], dict):
            raise bad_input(f"`{name}` must be an object")
    persisted_hash = persisted_query_hash(data.get("extensions"))
    if texts["documentId"] is not None and (texts["query"] is not None or persisted_hash):
        raise bad_input("send either `query` or `documentId`, not both")
    if texts["query"] is None and texts["documentId"] is None and persisted_hash is None:
        raise bad_input("send the operation as `query` (or a registered `documentId`)")
    return Operation(
        query=texts["query"],
        document_id=texts["documentId"],
        operation_name=texts["operationName"] or None,
        variables=data.get("variables"),
        extensions=data.get("extensions"),
        persisted_hash=persisted_hash,
    )


def persisted_query_hash(extensions: dict[str, Any] | None) -> str | None:
    """The SHA-256 an automatic persisted query names (Apollo's protocol, version 1)."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise bad_input("`extensions.persistedQuery` must be version 1 with a `sha256Hash`")
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        raise bad_input("`extensions.persistedQuery.sha256Hash` must be 64 lower-case hex digits")
    return sha256
