"""``kg.atomic``: an output file is written whole or not at all, and no temporary file outlives
its writer — removed on errors, Ctrl-C, SIGTERM and SIGHUP, and (after a SIGKILL) by the next
write to the same target. Real processes and real files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import kg_env
from kg.atomic import STALE_LEGACY_SECONDS, remove_stale_temp_files, temp_prefix, write_atomically

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from kg.atomic import write_atomically

    def write(handle):
        handle.write(b"partial " * 1000)
        handle.flush()
        print("writing", flush=True)
        time.sleep(60)

    write_atomically(Path(sys.argv[1]), write)
    """
)


def temp_files(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_writer_ended_by_a_signal_leaves_no_temporary_file(signum: int, tmp_path: Path) -> None:
    target = tmp_path / "export.nq"
    target.write_bytes(b"# the previous export\n")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], env=kg_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert writer.stdout.readline() == "writing\n"
        assert len(temp_files(tmp_path)) == 1, "the temporary file is being written"
        writer.send_signal(signum)
        writer.wait(timeout=30)
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode != 0
    assert temp_files(tmp_path) == [], "the temporary file outlived its writer"
    assert target.read_bytes() == b"# the previous export\n"


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_the_next_write_removes_the_temporary_files_of_dead_writers_only(tmp_path: Path) -> None:
    target = tmp_path / "export.nq"
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        dead = tmp_path / f"{temp_prefix(target, dead_pid())}a1b2c3.tmp"
        live = tmp_path / f"{temp_prefix(target, sleeper.pid)}d4e5f6.tmp"
        legacy_old = tmp_path / ".export.nq.ab12cd34.tmp"
        legacy_new = tmp_path / ".export.nq.zz99yy88.tmp"
        other_target = tmp_path / f"{temp_prefix(tmp_path / 'other.nq', dead_pid())}x.tmp"
        not_ours = tmp_path / ".export.nq.someone-else.tmp"
        for path in (dead, live, legacy_old, legacy_new, other_target, not_ours):
            path.write_bytes(b"left over")
        hour_ago = time.time() - STALE_LEGACY_SECONDS - 60
        os.utime(legacy_old, (hour_ago, hour_ago))
        write_atomically(target, lambda handle: handle.write(b"new\n"))
        assert target.read_bytes() == b"new\n"
        assert temp_files(tmp_path) == sorted(p.name for p in (live, legacy_new, other_target, not_ours))
        assert remove_stale_temp_files(tmp_path / "other.nq") == [other_target]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_kg_export_after_a_killed_export_removes_its_temporary_file(tmp_path: Path, run_kg) -> None:
    store = tmp_path / "store"
    data = tmp_path / "data.nt"
    data.write_text("<http://e/a> <http://e/p> <http://e/b> .\n")
    assert run_kg("import", data, "--store", store)[0] == 0
    target = tmp_path / "out.nq"
    left = tmp_path / f"{temp_prefix(target, dead_pid())}k1ll3d.tmp"  # what a SIGKILL left
    left.write_bytes(b"<http://e/a> <http://e/p> ")
    code, _out, err = run_kg("export", "-f", "nq", "-o", target, "--store", store)
    assert code == 0, err
    assert temp_files(tmp_path) == []
    assert target.read_text().count("\n") == 1
