"""Whose token: SYNAPSE_AUTH_TOKEN, else ~/.synapseConfig's authtoken, else anonymous; and
where it goes: to the DRS service only, never to a storage URL."""

from __future__ import annotations

from tests.cli.conftest import CliStack


def _config(stack: CliStack, user: str) -> None:
    token = stack.emulator.token(user)
    (stack.home / ".synapseConfig").write_text(
        f"[authentication]\nusername = {user}\nauthtoken = {token}\n\n[cache]\nlocation = ~/x\n"
    )


async def _callers(stack: CliStack) -> set[str]:
    by_user: dict[str, int] = (await stack.emulator.stats())["by_user"]
    return {user for user, n in by_user.items() if n}


async def test_the_environment_variable_is_used_first(cli_stack: CliStack) -> None:
    _config(cli_stack, "alice")
    run = await cli_stack.run("info", cli_stack.obj("public_file")["drs_id"], user="bob")
    assert run.status == 0, run.stderr
    assert await _callers(cli_stack) == {"bob"}


async def test_the_synapse_config_file_is_used_without_the_variable(cli_stack: CliStack) -> None:
    _config(cli_stack, "dave")
    run = await cli_stack.run("info", cli_stack.obj("private_file")["drs_id"], user=None)
    assert run.status == 0, run.stderr
    assert await _callers(cli_stack) == {"dave"}


async def test_without_either_the_caller_is_anonymous(cli_stack: CliStack) -> None:
    private = cli_stack.obj("private_file")
    run = await cli_stack.run("info", private["drs_id"], user=None)
    assert run.status == 1
    assert "403: You lack READ access to the requested entity." in run.stderr
    assert await _callers(cli_stack) == {"anonymous"}


async def test_an_empty_variable_falls_through_to_the_config_file(cli_stack: CliStack) -> None:
    _config(cli_stack, "alice")
    run = await cli_stack.run(
        "info", cli_stack.obj("public_file")["drs_id"], user=None, env={"SYNAPSE_AUTH_TOKEN": ""}
    )
    assert run.status == 0, run.stderr
    assert await _callers(cli_stack) == {"alice"}


async def test_the_token_reaches_the_service_and_never_storage(cli_stack: CliStack) -> None:
    """alice's private file needs her token at the service; storage must see none."""
    ids = [cli_stack.obj(c)["drs_id"] for c in ("private_file", "external_file", "dataset")]
    run = await cli_stack.run("get", *ids, "-o", "out")
    assert run.status == 0, run.stdout + run.stderr
    stats = await cli_stack.emulator.stats()
    assert await _callers(cli_stack) == {"alice"}
    assert stats["blob_requests"] == 6
    assert stats["blob_authorized"] == 0
    token = cli_stack.emulator.token("alice")
    assert token is not None
    assert token not in run.stdout + run.stderr
