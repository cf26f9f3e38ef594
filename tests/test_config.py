"""Where settings come from, and what a bad config file gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from predtrack.config import load_settings
from predtrack.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_database_url_precedence(tmp_path):
    config = write(tmp_path / "c.toml", '[database]\nurl = "sqlite:///from-file.db"\n')
    env = {"PREDTRACK_DATABASE_URL": "sqlite:///from-env.db"}
    assert load_settings(str(config), "sqlite:///from-flag.db", env).database_url == "sqlite:///from-flag.db"
    assert load_settings(str(config), None, env).database_url == "sqlite:///from-env.db"
    assert load_settings(str(config), None, {}).database_url == "sqlite:///from-file.db"
    default = load_settings(None, None, {}, cwd=tmp_path).database_url
    assert default.startswith("sqlite:///") and default.endswith("predtrack.db")


def test_config_file_search_order(tmp_path, monkeypatch):
    local = write(tmp_path / "predtrack.toml", '[user]\nname = "local"\n')
    named = write(tmp_path / "named.toml", '[user]\nname = "named"\n')
    assert load_settings(None, None, {}, cwd=tmp_path).user_name == "local"
    assert load_settings(None, None, {"PREDTRACK_CONFIG": str(named)}, cwd=tmp_path).user_name == "named"
    assert load_settings(str(named), None, {}, cwd=tmp_path).config_path == named
    assert local.exists()


def test_user_name_falls_back_to_the_login(tmp_path):
    import getpass

    empty = tmp_path / "empty"
    empty.mkdir()
    assert load_settings(None, None, {}, cwd=empty).user_name == getpass.getuser()


@pytest.mark.parametrize(
    "text, message",
    [
        ("[nag]\nhour = 25\n", "[nag] hour"),
        ("[nag]\ntimezone = \"Mars/Olympus\"\n", "[nag] timezone"),
        ("[nag]\nchannels = [\"pigeon\"]\n", "[nag] channels"),
        ("[mail]\npassword = \"hunter2\"\n", "password_env"),
        ("[mail]\nport = \"twenty-five\"\n", "[mail] port"),
        ("[probability.words]\nlikely = 7\n", "[probability.words]"),
        ("not toml at all = = =\n", "not valid TOML"),
        ("[mail]\nto = [\"ana@example.org\", \"ben at example.org\"]\n", "invalid [mail] to 'ben at example.org'"),
        ("[mail]\nto = \"Ana <ana@example.org>\"\n", "[mail] to"),
        ("[nag]\nescalate_to = [\"boss@\"]\n", "invalid [nag] escalate_to 'boss@'"),
    ],
)
def test_bad_config_values_are_named(tmp_path, text, message):
    config = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as info:
        load_settings(str(config), None, {})
    assert message in str(info.value)
    assert "hunter2" not in str(info.value)


def test_missing_named_config_is_an_error(tmp_path, run_cli):
    result = run_cli("--config", str(tmp_path / "nope.toml"), "list")
    assert result.exit_code == 1
    assert "nope.toml" in result.output and "does not exist" in result.output


def test_environment_overrides_mail_and_nag(tmp_path):
    config = write(tmp_path / "c.toml", '[mail]\nhost = "a"\nto = ["x@e.org"]\n[nag]\nrepeat_days = 3\n')
    settings = load_settings(str(config), None, {"PREDTRACK_MAIL_HOST": "b", "PREDTRACK_NAG_REPEAT_DAYS": "5", "PREDTRACK_MAIL_TO": "y@e.org,z@e.org"})
    assert settings.mail.host == "b"
    assert settings.nag.repeat_days == 5
    assert settings.mail.to == ["y@e.org", "z@e.org"]
    assert load_settings(str(config), None, {"PREDTRACK_NAG_WEEKLY_DIGEST": "true"}).nag.weekly_digest is True
    with pytest.raises(ConfigError, match="PREDTRACK_NAG_WEEKLY_DIGEST"):
        load_settings(str(config), None, {"PREDTRACK_NAG_WEEKLY_DIGEST": "sometimes"})
    with pytest.raises(ConfigError, match="name@example.org"):  # says what is accepted
        load_settings(str(config), None, {"PREDTRACK_MAIL_TO": "y@e.org,nobody"})


def test_init_writes_a_commented_config_that_loads(run_cli, tmp_path):
    target = tmp_path / "fresh" / "predtrack.toml"
    result = run_cli("init", "--path", str(target))
    assert result.exit_code == 0, result.output
    text = target.read_text()
    for section in ("[user]", "[database]", "[mail]", "[nag]", "[reports]", "password_env"):
        assert section in text
    assert load_settings(str(target), None, {}).nag.repeat_days == 7
    again = run_cli("init", "--path", str(target))
    assert again.exit_code == 1 and "--force" in again.output
