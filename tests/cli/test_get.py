"""`synapse-drs get` end to end: the command, the service and the emulator over real sockets,
every file's bytes read back from disk and md5-checked against the emulator's manifest."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import CliStack, CliStackFactory
from tests.drs_client import md5_of

BATCH = "POST /file/v1/fileHandle/batch"
ONE_URL = "GET /file/v1/file/{id}"


def _files(root: Path) -> dict[str, str]:
    """Every file under `root`: relative path -> md5 of its bytes."""
    return {
        str(path.relative_to(root)): md5_of(path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _by_id(stack: CliStack) -> dict[str, dict[str, object]]:
    return {o["drs_id"]: o for o in stack.emulator.manifest["objects"]}


async def test_a_dataset_lands_as_a_folder_of_verified_files(cli_stack: CliStack) -> None:
    dataset = cli_stack.obj("dataset")
    run = await cli_stack.run("get", dataset["drs_id"], "-o", "out")
    assert run.status == 0, run.stdout + run.stderr
    objects = _by_id(cli_stack)
    members = [objects[item] for item in dataset["contents"]]
    expected = {f"Demo dataset/{m['file_name']}": m["md5"] for m in members}
    assert _files(cli_stack.workdir / "out") == expected
    stats = await cli_stack.emulator.stats()
    assert stats["blob_requests"] == len(members)
    assert stats["blob_authorized"] == 0, "the token went to a storage URL"
    assert "downloaded" in run.stdout
    assert "Demo dataset/private.bin" in run.stdout


async def test_a_200_file_manifest_is_signed_in_two_batch_calls(
    cli_stack_factory: CliStackFactory,
) -> None:
    stack = await cli_stack_factory(seed="empty", files=200)
    generated = [o for o in stack.emulator.manifest["objects"] if o["case"] == "generated_file"]
    assert len(generated) == 200
    lines = [f"drs://drs.example.org/{o['drs_id']}" for o in generated]  # --server wins
    (stack.workdir / "manifest.txt").write_text("# two hundred files\n" + "\n".join(lines))
    run = await stack.run("get", "-i", "manifest.txt", "-o", "out", "--jobs", "8")
    assert run.status == 0, run.stdout[-2000:] + run.stderr
    assert _files(stack.workdir / "out") == {o["file_name"]: o["md5"] for o in generated}
    calls = await stack.calls()
    assert calls[BATCH] == 2
    assert ONE_URL not in calls, "no URL was signed one by one"
    stats = await stack.emulator.stats()
    assert (stats["blob_requests"], stats["blob_authorized"]) == (200, 0)


async def test_a_manifest_on_stdin_and_ids_on_the_line_together(cli_stack: CliStack) -> None:
    public, versions = cli_stack.obj("public_file"), cli_stack.obj("multi_version_v3")
    run = await cli_stack.run(
        "get", public["drs_id"], "-i", "-", "-o", "out", stdin=f"{versions['drs_id']}\n".encode()
    )
    assert run.status == 0, run.stdout + run.stderr
    assert _files(cli_stack.workdir / "out") == {
        "public.txt": public["md5"],
        "versions.txt": versions["md5"],
    }


async def test_a_forbidden_file_fails_alone_with_the_services_message(
    cli_stack: CliStack,
) -> None:
    """dave may download three of these files, and only read readonly.txt."""
    forbidden = cli_stack.obj("readable_not_downloadable")
    assert "dave" in forbidden["readers"]
    assert "dave" not in forbidden["downloaders"]
    allowed = [cli_stack.obj(c) for c in ("public_file", "private_file", "multi_version_v2")]
    ids = [allowed[0]["drs_id"], forbidden["drs_id"], *(o["drs_id"] for o in allowed[1:])]
    run = await cli_stack.run("get", *ids, "-o", "out", user="dave")
    assert run.status == 1
    assert _files(cli_stack.workdir / "out") == {o["file_name"]: o["md5"] for o in allowed}
    failed = [line for line in run.stdout.splitlines() if line.startswith("failed")]
    assert len(failed) == 1
    assert forbidden["drs_id"] in failed[0]
    assert "403: You lack DOWNLOAD access to the requested entity." in failed[0]
    assert "Failures" in run.stdout
    assert "downloaded" in run.stdout


async def test_a_member_hidden_from_the_caller_fails_and_the_rest_arrive(
    cli_stack: CliStack,
) -> None:
    dataset, hidden = cli_stack.obj("dataset"), cli_stack.obj("dataset_hidden_item")
    run = await cli_stack.run("get", dataset["drs_id"], "-o", "out", user="dave")
    assert run.status == 1
    assert sorted(_files(cli_stack.workdir / "out")) == [
        "Demo dataset/private.bin",
        "Demo dataset/public.txt",
        "Demo dataset/versions.txt",
    ]
    assert f"{hidden['drs_id']}: 403: You lack READ access" in run.stdout


async def test_corrupt_bytes_fail_the_file_and_never_take_its_name(cli_stack: CliStack) -> None:
    private, public = cli_stack.obj("private_file"), cli_stack.obj("public_file")
    await cli_stack.emulator.faults(corrupt_rate=1.0)
    run = await cli_stack.run("get", private["drs_id"], public["drs_id"], "-o", "out")
    assert run.status == 1
    assert _files(cli_stack.workdir / "out") == {}, "bad bytes were left on disk"
    failed = [line for line in run.stdout.splitlines() if line.startswith("failed")]
    assert len(failed) == 2
    assert all("md5 mismatch" in line for line in failed)
    assert f"expected {private['md5']}" in run.stdout
    assert (await cli_stack.emulator.stats())["faulted"]["corrupt"] == 2


async def test_an_expired_url_mid_download_is_resigned_and_resumed_with_range(
    cli_stack_factory: CliStackFactory,
) -> None:
    """One-second URLs, 30 kB/s, the connection cut after every 40 kB: each break leaves
    the CLI holding a dead URL; it asks the service for a new one and goes on from there."""
    stack = await cli_stack_factory(url_ttl_s=1.0)
    private = stack.obj("private_file")
    await stack.emulator.faults(blob_bytes_per_s=30_000, blob_cut_after_bytes=40_000)
    run = await stack.run("get", private["drs_id"], "-o", "out")
    assert run.status == 0, run.stdout + run.stderr
    assert _files(stack.workdir / "out") == {"private.bin": private["md5"]}
    stats = await stack.emulator.stats()
    starts = [int(r.removeprefix("bytes=").rstrip("-")) if r else 0 for r in stats["blob_ranges"]]
    assert starts.count(0) == 1, f"restarted from zero: {starts}"
    assert starts == sorted(starts)
    assert {40_000, 80_000} <= set(starts)
    assert stats["blob_bytes"] == private["size"], "bytes were fetched twice"
    # The first URL came from one bulk signing call; each re-sign is the single access route,
    # which signs through fileHandle/batch too (it reads the handle's status in the same call).
    assert (await stack.calls()).get(BATCH, 0) >= 3, "the expired URL was not re-signed"


async def test_a_rerun_skips_verified_files_and_refetches_a_damaged_one(
    cli_stack: CliStack,
) -> None:
    dataset = cli_stack.obj("dataset")
    first = await cli_stack.run("get", dataset["drs_id"], "-o", "out")
    assert first.status == 0, first.stdout + first.stderr
    before = _files(cli_stack.workdir / "out")
    await cli_stack.emulator.reset()
    second = await cli_stack.run("get", dataset["drs_id"], "-o", "out")
    assert second.status == 0
    assert "4 already here and verified" in second.stdout
    stats = await cli_stack.emulator.stats()
    assert stats["blob_requests"] == 0
    assert BATCH not in await cli_stack.calls(), "a skipped file was signed"
    damaged = cli_stack.workdir / "out" / "Demo dataset" / "public.txt"
    damaged.write_bytes(b"X" + damaged.read_bytes()[1:])
    third = await cli_stack.run("get", dataset["drs_id"], "-o", "out")
    assert third.status == 0
    assert _files(cli_stack.workdir / "out") == before
    assert (await cli_stack.emulator.stats())["blob_requests"] == 1


async def test_info_prints_the_object_readably_and_as_raw_json(cli_stack: CliStack) -> None:
    private = cli_stack.obj("private_file")
    readable = await cli_stack.run("info", private["drs_id"])
    assert readable.status == 0
    assert f"{private['drs_id']}  private.bin" in readable.stdout
    assert private["md5"] in readable.stdout
    assert "100,000 bytes" in readable.stdout
    raw = await cli_stack.run("info", "--json", private["drs_id"])
    body = json.loads(raw.stdout)
    assert body["id"] == private["drs_id"]
    assert body["checksums"] == [{"checksum": private["md5"], "type": "md5"}]
    denied = await cli_stack.run("info", private["drs_id"], user="bob")
    assert denied.status == 1
    assert "403: You lack DOWNLOAD access" in denied.stderr
