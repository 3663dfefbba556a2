"""The command line: `synapse-drs info` and `synapse-drs get` (argument parsing, exit codes).

Exit status: 0 when everything asked for is here and verified, 1 when anything failed (the
rest still arrives), 2 for unusable input, 130 when interrupted (partial files are kept as
`NAME.part` and the next run continues them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import ClientSession
from rich.console import Console
from rich.filesize import decimal

from adapter.cli.api import ApiError, DrsApi
from adapter.cli.auth import find_credentials
from adapter.cli.download import already_there
from adapter.cli.fetcher import Fetcher
from adapter.cli.plan import Planner
from adapter.cli.progress import Row, make_reporter, print_summary
from adapter.cli.uris import Target, UsageError, read_manifest, resolve

PROG = "synapse-drs"
DEFAULT_JOBS = 4


def _version() -> str:
    try:
        return version("synapse-drs-adapter")
    except PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--server",
        metavar="URL",
        help="DRS server for every object, e.g. http://127.0.0.1:8080 (default: the host "
        "in each drs:// URI, over https)",
    )
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Fetch Synapse data through a GA4GH DRS server. Auth: SYNAPSE_AUTH_TOKEN, "
        "else authtoken in ~/.synapseConfig, else anonymous.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    info = commands.add_parser(
        "info", parents=[common], help="show DRS objects", description="Show DRS objects."
    )
    info.add_argument("ids", nargs="+", metavar="ID_OR_URI")
    info.add_argument("--json", action="store_true", help="print the raw DrsObject JSON")
    get = commands.add_parser(
        "get",
        parents=[common],
        help="download objects, md5-verified",
        description="Download DRS objects: blobs as files, Datasets as folders; every file "
        "md5-verified, partial files resumed, verified files skipped.",
    )
    get.add_argument("ids", nargs="*", metavar="ID_OR_URI")
    get.add_argument(
        "-i",
        "--input",
        metavar="MANIFEST",
        help="a file of DRS URIs or ids, one a line (- for stdin)",
    )
    get.add_argument("-o", "--output", metavar="DIR", default=".", help="where files land")
    get.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=DEFAULT_JOBS,
        help=f"parallel downloads ({DEFAULT_JOBS})",
    )
    return parser


def _jobs(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError("--jobs must be between 1 and 64")
    return value


@asynccontextmanager
async def _sessions(jobs: int) -> AsyncIterator[tuple[ClientSession, ClientSession]]:
    """One session for the DRS API (it alone carries the token) and one for storage, which
    gets no credentials, no cookies, and the bytes exactly as stored (no decompression)."""
    agent = {"User-Agent": f"{PROG}/{_version()}"}
    api = aiohttp.ClientSession(
        headers=agent,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=300, sock_connect=30),
    )
    storage = aiohttp.ClientSession(
        headers=agent,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=60),
        connector=aiohttp.TCPConnector(limit=jobs * 2),
        auto_decompress=False,
        read_bufsize=1 << 22,
    )
    async with api, storage:
        yield api, storage


def _targets(args: argparse.Namespace) -> list[Target]:
    targets = [resolve(text, args.server) for text in args.ids]
    manifest = getattr(args, "input", None)
    if manifest == "-":
        targets += read_manifest(sys.stdin.read().splitlines(), args.server)
    elif manifest:
        try:
            lines = Path(manifest).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the manifest {manifest}: {exc}") from None
        targets += read_manifest(lines, args.server)
    if not targets:
        raise UsageError("nothing to do: give ids, drs:// URIs, or -i MANIFEST")
    return targets


async def get_command(args: argparse.Namespace, console: Console) -> int:
    targets = _targets(args)
    credentials = find_credentials()
    out_dir = Path(args.output)
    rows: list[Row] = []
    async with _sessions(args.jobs) as (api_session, storage):
        api = DrsApi(api_session, credentials.token)
        plan = await Planner(api, out_dir).add(targets)
        pending = []
        for job in plan.jobs:
            if await asyncio.to_thread(already_there, job):
                rows.append(Row("skipped", job.object_id, job.dest, job.size))
            else:
                pending.append(job)
        reporter = make_reporter(console)
        reporter.begin(len(pending), sum(job.size for job in pending), len(rows))
        try:
            for failure in plan.failures:
                row = Row("failed", failure.object_id, failure.dest, 0, failure.message)
                rows.append(row)
                reporter.file_finished(row)
            rows += await Fetcher(api, storage, reporter, args.jobs).run(pending)
        finally:
            reporter.end()
    print_summary(console, rows)
    return 1 if any(row.status == "failed" for row in rows) else 0


async def info_command(args: argparse.Namespace, console: Console) -> int:
    targets = _targets(args)
    credentials = find_credentials()
    async with _sessions(1) as (api_session, _storage):
        api = DrsApi(api_session, credentials.token)
        answers = await asyncio.gather(
            *(api.get_object(t) for t in targets), return_exceptions=True
        )
    found: list[dict[str, Any]] = []
    failed = False
    for target, answer in zip(targets, answers, strict=True):
        if isinstance(answer, ApiError):
            print(f"{PROG}: {target.object_id}: {answer}", file=sys.stderr)
            failed = True
        elif isinstance(answer, BaseException):
            raise answer
        else:
            found.append(answer)
    if args.json:
        if found:
            console.out(json.dumps(found[0] if len(args.ids) == 1 else found, indent=2))
    else:
        for drs_object in found:
            _show(console, drs_object)
    return 1 if failed else 0


def _show(console: Console, drs_object: dict[str, Any]) -> None:
    """A DrsObject for people: the fields that matter, one a line."""
    lines = [f"{drs_object.get('id')}  {drs_object.get('name') or ''}".rstrip()]

    def field(label: str, value: object) -> None:
        if value not in (None, "", []):
            lines.append(f"  {label:<12} {value}")

    size = drs_object.get("size")
    field("size", f"{size:,} bytes ({decimal(size)})" if isinstance(size, int) else None)
    for checksum in drs_object.get("checksums") or []:
        field(str(checksum.get("type")), checksum.get("checksum"))
    field("mime type", drs_object.get("mime_type"))
    field("version", drs_object.get("version"))
    field("created", drs_object.get("created_time"))
    field("updated", drs_object.get("updated_time"))
    field("description", drs_object.get("description"))
    for method in drs_object.get("access_methods") or []:
        field("access", f"{method.get('type')} {method.get('access_id') or ''}".rstrip())
    field("self_uri", drs_object.get("self_uri"))
    contents = drs_object.get("contents")
    if contents is not None:
        field("contents", f"{len(contents)} items (a bundle: `get` makes it a folder)")
        for item in contents:
            uris = ", ".join(item.get("drs_uri") or [])
            lines.append(f"    {item.get('id')}  {uris}".rstrip())
    console.out("\n".join(lines), highlight=False)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(highlight=False)
    command = get_command if args.command == "get" else info_command
    try:
        return asyncio.run(command(args, console))
    except UsageError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    except ApiError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"{PROG}: interrupted; partial files are kept as NAME.part and the next run "
            "continues them",
            file=sys.stderr,
        )
        return 130
