"""`msnp user ...` and `msnp db upgrade` on a fresh data directory: output, one-line errors,
exit statuses."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from pathlib import Path

import pytest

from msnp import cli
from msnp.commands import common

FAST = "[passwords]\ntime_cost = 1\nmemory_cost = 1024\n"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "msnp.toml"
    path.write_text(f'[server]\ndata_dir = "fresh/data"\n{FAST}')
    return path


def run(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str) -> None:
    assert code != 0
    assert err.startswith("msnp: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


def test_user_add_list_passwd_del(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = ["--config", str(config_file)]
    code, out, err = run(
        ["user", "add", "Alice@Example.com", "--name", "Alice A", *cfg],
        capsys,
        monkeypatch,
        "s3cret\n",
    )
    assert (code, err) == (0, "")
    assert out == "created alice@example.com (Alice A)\n"
    assert (config_file.parent / "fresh" / "data" / "msnp.sqlite3").exists()

    code, out, _ = run(["user", "add", "bob@example.com", *cfg], capsys, monkeypatch, "pw")
    assert (code, out) == (0, "created bob@example.com (bob@example.com)\n")

    code, out, _ = run(["user", "list", *cfg], capsys, monkeypatch)
    assert (code, out) == (0, "alice@example.com\tAlice A\nbob@example.com\tbob@example.com\n")

    passwd = ["user", "passwd", "ALICE@example.com", *cfg]
    code, out, _ = run(passwd, capsys, monkeypatch, "new\r\n")
    assert (code, out) == (0, "changed the password of alice@example.com\n")
    assert asyncio.run(_authenticates(config_file, "alice@example.com", "new"))
    assert not asyncio.run(_authenticates(config_file, "alice@example.com", "s3cret"))

    code, out, _ = run(["user", "del", "Bob@example.com", *cfg], capsys, monkeypatch)
    assert (code, out) == (0, "deleted bob@example.com\n")
    code, out, _ = run(["user", "list", *cfg], capsys, monkeypatch)
    assert out == "alice@example.com\tAlice A\n"


async def _authenticates(config_file: Path, email: str, password: str) -> bool:
    from msnp.commands.user import account_service
    from msnp.config import load_config

    async with account_service(load_config(config_file)) as accounts:
        return await accounts.authenticate(email, password) is not None


def test_config_may_come_before_the_command(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(
        ["--config", str(config_file), "user", "add", "c@example.com"], capsys, monkeypatch, "pw\n"
    )
    assert code == 0
    code, out, _ = run(["--config", str(config_file), "user", "list"], capsys, monkeypatch)
    assert out == "c@example.com\tc@example.com\n"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["user", "add", "not-an-address"], "pw\n", "invalid e-mail address"),
        (["user", "add", "a b@example.com"], "pw\n", "invalid e-mail address"),
        (["user", "add", "x@example.com"], "\n", "password must not be empty"),
        (["user", "add", "x@example.com"], "", "password must not be empty"),
        (["user", "add", "x@example.com", "--name", " "], "pw\n", "display name"),
        (["user", "passwd", "nobody@example.com"], "pw\n", "no account for nobody@example.com"),
        (["user", "del", "nobody@example.com"], "", "no account for nobody@example.com"),
    ],
)
def test_refusals_are_one_line(
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    stdin: str,
    message: str,
) -> None:
    code, out, err = run([*args, "--config", str(config_file)], capsys, monkeypatch, stdin)
    assert_one_line_error(code, err)
    assert message in err
    assert out == ""


def test_a_duplicate_address_is_one_line(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = ["--config", str(config_file)]
    assert run(["user", "add", "dup@example.com", *cfg], capsys, monkeypatch, "pw\n")[0] == 0
    code, _, err = run(["user", "add", "DUP@Example.com", *cfg], capsys, monkeypatch, "pw\n")
    assert_one_line_error(code, err)
    assert err == "msnp: an account for dup@example.com already exists\n"


def test_db_upgrade_on_a_fresh_directory(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(["db", "upgrade", "--config", str(config_file)], capsys, monkeypatch)
    assert (code, err) == (0, "")
    assert out.endswith("is at revision 0001\n")
    # Again: nothing to do, same answer.
    assert run(["db", "upgrade", "--config", str(config_file)], capsys, monkeypatch)[1] == out


def test_a_missing_postgresql_database_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether or not a server listens there, the answer is one line and status 1."""
    path = tmp_path / "pg.toml"
    path.write_text(
        '[database]\nurl = "postgresql://postgres@127.0.0.1:5432/msnp_no_such_db"\n' + FAST
    )
    code, out, err = run(["user", "list", "--config", str(path)], capsys, monkeypatch)
    assert_one_line_error(code, err)
    assert (code, out) == (1, "")
    assert "cannot open database postgresql+asyncpg://postgres@127.0.0.1:5432/msnp_no_such" in err


def test_an_unreachable_database_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pg.toml"
    path.write_text('[database]\nurl = "postgresql://u:secret@127.0.0.1:1/db"\n')
    code, _, err = run(["db", "upgrade", "--config", str(path)], capsys, monkeypatch)
    assert_one_line_error(code, err)
    assert "secret" not in err  # passwords are never printed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read config file"),
        ("[server\n", "not valid TOML"),
        ("[nope]\n", "unknown section"),
    ],
)
def test_config_errors_are_one_line_with_status_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content: str | None,
    message: str,
) -> None:
    path = tmp_path / "bad.toml"
    if content is not None:
        path.write_text(content)
    code, _, err = run(["user", "list", "--config", str(path)], capsys, monkeypatch)
    assert_one_line_error(code, err)
    assert code == 2
    assert message in err


def test_no_command_prints_help(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run([], capsys, monkeypatch)
    assert code == 2
    assert "user" in err and "db" in err


def test_every_subcommand_accepts_config() -> None:
    parser = cli.build_parser()
    for argv in (["user", "list"], ["user", "del", "x@y.com"], ["db", "upgrade"]):
        assert parser.parse_args([*argv, "--config", "f.toml"]).config == Path("f.toml")
        assert parser.parse_args(["--config", "g.toml", *argv]).config == Path("g.toml")
        assert parser.parse_args(argv).config is None


def test_a_terminal_is_asked_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["one", "two", "same", "same"])
    monkeypatch.setattr(common.getpass, "getpass", lambda prompt: next(answers))
    with pytest.raises(common.CommandError, match="do not match"):
        common.read_new_password(Terminal())
    assert common.read_new_password(Terminal()) == "same"


def test_python_dash_m_runs_without_traceback(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The module entry point, as a separate process reading the password from a pipe."""
    cfg = ["--config", str(config_file)]
    assert run(["user", "add", "p@example.com", *cfg], capsys, monkeypatch, "pw\n")[0] == 0
    result = subprocess.run(
        [sys.executable, "-m", "msnp.cli", "user", "add", "P@example.com", *cfg],
        input="pw\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "msnp: an account for p@example.com already exists\n"
