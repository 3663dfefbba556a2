"""Where an id goes: `drs://host/id` is `https://host/ga4gh/drs/v1/...`; `--server` wins."""

from __future__ import annotations

import pytest

from adapter.cli.uris import Target, UsageError, resolve
from tests.cli.conftest import CliStack


@pytest.mark.parametrize(
    ("text", "server", "expected"),
    [
        (
            "drs://drs.example.org/syn123.4",
            None,
            "https://drs.example.org/ga4gh/drs/v1/objects/syn123.4",
        ),
        (
            "DRS://drs.example.org:8443/fh42",
            None,
            "https://drs.example.org:8443/ga4gh/drs/v1/objects/fh42",
        ),
        (
            "drs://drs.example.org/syn123.4",
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/ga4gh/drs/v1/objects/syn123.4",
        ),
        ("syn123.4", "http://h:1/ga4gh/drs/v1/", "http://h:1/ga4gh/drs/v1/objects/syn123.4"),
        (" syn1.1 ", "https://h/prefix", "https://h/prefix/ga4gh/drs/v1/objects/syn1.1"),
        ("drs://h/a%2Fb", None, "https://h/ga4gh/drs/v1/objects/a%2Fb"),
    ],
)
def test_uris_and_ids_resolve_to_object_urls(text: str, server: str | None, expected: str) -> None:
    assert resolve(text, server).object_url == expected


@pytest.mark.parametrize(
    ("text", "server", "says"),
    [
        ("syn123.4", None, "a bare id needs --server"),
        ("drs://dg.4503:abc", None, "compact identifiers"),
        ("drs://user@host/syn1.1", None, "not a host name"),
        ("syn1.1", "ftp://host", "--server must be an http"),
    ],
)
def test_unusable_input_is_explained(text: str, server: str | None, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        resolve(text, server)


def test_a_target_keeps_its_base() -> None:
    assert resolve("drs://a.org/syn1.1", None) == Target("https://a.org/ga4gh/drs/v1", "syn1.1")


async def test_without_server_a_uri_is_asked_of_its_host_over_https(cli_stack: CliStack) -> None:
    """The service speaks plain http here, so an https call to its host fails: and says
    where it went."""
    host = cli_stack.server.removeprefix("http://")
    uri = f"drs://{host}/{cli_stack.obj('public_file')['drs_id']}"
    run = await cli_stack.run("info", uri, server=False)
    assert run.status == 1
    assert f"cannot reach https://{host}/ga4gh/drs/v1/objects/" in run.stderr
    assert "Traceback" not in run.stderr


async def test_server_overrides_the_uri_host(cli_stack: CliStack) -> None:
    public = cli_stack.obj("public_file")
    run = await cli_stack.run("get", f"drs://drs.invalid/{public['drs_id']}", "-o", "out")
    assert run.status == 0, run.stdout + run.stderr
    assert (cli_stack.workdir / "out" / "public.txt").exists()


async def test_a_bare_id_without_server_is_a_usage_error(cli_stack: CliStack) -> None:
    run = await cli_stack.run("get", "syn1.1", server=False)
    assert run.status == 2
    assert "a bare id needs --server" in run.stderr
