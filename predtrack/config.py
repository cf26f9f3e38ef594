"""Configuration: a TOML file plus `PREDTRACK_*` environment overrides.

Where the config file is found, first match wins: `--config PATH`, `PREDTRACK_CONFIG`,
`./predtrack.toml`, then `predtrack.toml` in the user config directory. A missing file is
fine (defaults apply) unless it was named explicitly.

Where the database comes from, first match wins: `--db URL`, `PREDTRACK_DATABASE_URL`,
`[database] url`, then a SQLite file in the user data directory.

This module is imported by the CLI at start-up, so it stays light: stdlib and platformdirs.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from predtrack.errors import ConfigError

APP_NAME = "predtrack"


def user_config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


def user_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def default_database_url() -> str:
    return f"sqlite:///{user_data_dir() / 'predtrack.db'}"


@dataclass
class MailSettings:
    host: str | None = None
    port: int = 25
    sender: str | None = None  # `from` in the file
    to: list[str] = field(default_factory=list)
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None
    timeout: float = 30.0

    def password(self) -> str | None:
        """The SMTP password, read from the environment variable the file names."""
        if not self.password_env:
            return None
        return os.environ.get(self.password_env)


@dataclass
class NagSettings:
    channels: list[str] = field(default_factory=lambda: ["markdown"])
    hour: int = 9
    timezone: str = "UTC"
    lead_days: int | None = None
    repeat_days: int = 7
    escalate_after: int | None = None
    escalate_to: list[str] = field(default_factory=list)
    digest_limit: int = 50
    weekly_digest: bool = False


@dataclass
class Settings:
    """Everything the config file and environment say; built once per command."""

    config_path: Path | None = None
    database_url: str = ""
    database_url_origin: str = "default"
    user_name: str = ""
    reports_dir: Path = Path("reports")
    mail: MailSettings = field(default_factory=MailSettings)
    nag: NagSettings = field(default_factory=NagSettings)
    # Vague deadline horizons, e.g. {"coming_weeks": "6 weeks"}; when.py holds the defaults.
    vague_horizons: dict[str, str] = field(default_factory=dict)
    # Estimative words -> probability, overriding the shipped table in likelihood.py.
    probability_words: dict[str, float] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


def find_config_file(explicit: str | None, environ: dict[str, str] | None = None, cwd: Path | None = None) -> Path | None:
    env = os.environ if environ is None else environ
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {str(path)!r} (from --config) does not exist")
        return path
    if env.get("PREDTRACK_CONFIG"):
        path = Path(env["PREDTRACK_CONFIG"]).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {str(path)!r} (from PREDTRACK_CONFIG) does not exist")
        return path
    local = (cwd or Path.cwd()) / "predtrack.toml"
    if local.is_file():
        return local
    user = user_config_dir() / "predtrack.toml"
    if user.is_file():
        return user
    return None


def _section(data: dict[str, Any], name: str, path: Path | None) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{name}] must be a table, got {value!r}")
    return value


def _expect(value: Any, kind: type | tuple[type, ...], where: str, accepted: str) -> Any:
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise ConfigError(f"invalid {where} {value!r}: expected {accepted}")
    if not isinstance(value, kind):
        raise ConfigError(f"invalid {where} {value!r}: expected {accepted}")
    return value


def _str_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"invalid {where} {value!r}: expected a list of strings")


def _address_list(value: Any, where: str) -> list[str]:
    """Recipients: each one bare address (they are the SMTP envelope's recipients, not header text)."""
    from predtrack.errors import InvalidValue
    from predtrack.values import check_email

    try:
        return [check_email(where, address) for address in _str_list(value, where)]
    except InvalidValue as exc:
        raise ConfigError(str(exc)) from None


def _checked_user_name(name: str, where: str) -> str:
    """The name every event is logged under: refused here, naming the setting, rather than at the first write."""
    from predtrack.errors import InvalidValue
    from predtrack.values import COLUMN_LENGTHS, check_text

    try:
        return check_text(where, name, COLUMN_LENGTHS["event.actor"])
    except InvalidValue as exc:
        raise ConfigError(str(exc)) from None


def _env_bool(value: str, where: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"invalid {where} {value!r}: expected true or false")


def _env_int(value: str, where: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"invalid {where} {value!r}: expected a whole number") from None


def load_settings(
    config_path: str | None = None,
    db_url: str | None = None,
    environ: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Read the config file and environment into Settings; raise ConfigError on a bad value."""
    env = dict(os.environ if environ is None else environ)
    path = find_config_file(config_path, env, cwd)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    settings = Settings(config_path=path, raw=data)

    database = _section(data, "database", path)
    if db_url:
        settings.database_url, settings.database_url_origin = db_url, "--db"
    elif env.get("PREDTRACK_DATABASE_URL"):
        settings.database_url, settings.database_url_origin = env["PREDTRACK_DATABASE_URL"], "PREDTRACK_DATABASE_URL"
    elif database.get("url"):
        settings.database_url = _expect(database["url"], str, "[database] url", "a database URL string")
        settings.database_url_origin = f"{path} [database] url"
    else:
        settings.database_url = default_database_url()

    user = _section(data, "user", path)
    name = env.get("PREDTRACK_USER") or user.get("name")
    if name is not None:
        settings.user_name = _checked_user_name(_expect(name, str, "[user] name", "a string"),
                                                "PREDTRACK_USER" if env.get("PREDTRACK_USER") else "[user] name")
    else:
        try:
            settings.user_name = getpass.getuser()
        except Exception:  # no login name in some containers
            settings.user_name = "unknown"

    reports = _section(data, "reports", path)
    reports_dir = env.get("PREDTRACK_REPORTS_DIR") or reports.get("dir", "reports")
    settings.reports_dir = Path(_expect(reports_dir, str, "[reports] dir", "a folder path"))

    mail = _section(data, "mail", path)
    m = settings.mail
    m.host = env.get("PREDTRACK_MAIL_HOST") or mail.get("host")
    if m.host is not None:
        _expect(m.host, str, "[mail] host", "a host name")
    port = env.get("PREDTRACK_MAIL_PORT")
    m.port = _env_int(port, "PREDTRACK_MAIL_PORT") if port else _expect(mail.get("port", 25), int, "[mail] port", "a port number")
    m.sender = env.get("PREDTRACK_MAIL_FROM") or mail.get("from")
    if m.sender is not None:
        _expect(m.sender, str, "[mail] from", "an email address")
    to = env.get("PREDTRACK_MAIL_TO")
    m.to = _address_list(to if to is not None else mail.get("to", []), "[mail] to")
    for key in ("starttls", "ssl"):
        env_value = env.get(f"PREDTRACK_MAIL_{key.upper()}")
        value = _env_bool(env_value, f"PREDTRACK_MAIL_{key.upper()}") if env_value is not None else mail.get(key, False)
        setattr(m, key, _expect(value, bool, f"[mail] {key}", "true or false"))
    m.username = env.get("PREDTRACK_MAIL_USERNAME") or mail.get("username")
    m.password_env = env.get("PREDTRACK_MAIL_PASSWORD_ENV") or mail.get("password_env")
    if "password" in mail:
        raise ConfigError(
            f"{path}: [mail] password is not allowed: put the password in an environment "
            "variable and name it with password_env"
        )
    timeout = mail.get("timeout", 30)
    m.timeout = float(_expect(timeout, (int, float), "[mail] timeout", "seconds as a number"))

    nag = _section(data, "nag", path)
    n = settings.nag
    channels = env.get("PREDTRACK_NAG_CHANNELS")
    n.channels = _str_list(channels if channels is not None else nag.get("channels", n.channels), "[nag] channels")
    for channel in n.channels:
        if channel not in {"email", "markdown", "stdout"}:
            raise ConfigError(f"invalid [nag] channels entry {channel!r}: expected email, markdown or stdout")
    int_fields = {"hour": n.hour, "repeat_days": n.repeat_days, "digest_limit": n.digest_limit, "lead_days": n.lead_days, "escalate_after": n.escalate_after}
    for key, default in int_fields.items():
        env_value = env.get(f"PREDTRACK_NAG_{key.upper()}")
        if env_value is not None:
            value: Any = _env_int(env_value, f"PREDTRACK_NAG_{key.upper()}")
        else:
            value = nag.get(key, default)
        if value is not None:
            _expect(value, int, f"[nag] {key}", "a whole number")
        setattr(n, key, value)
    if not 0 <= n.hour <= 23:
        raise ConfigError(f"invalid [nag] hour {n.hour!r}: expected 0 to 23")
    if n.repeat_days < 1:
        raise ConfigError(f"invalid [nag] repeat_days {n.repeat_days!r}: expected 1 or more")
    if n.digest_limit < 1:
        raise ConfigError(f"invalid [nag] digest_limit {n.digest_limit!r}: expected 1 or more")
    n.timezone = env.get("PREDTRACK_NAG_TIMEZONE") or _expect(nag.get("timezone", n.timezone), str, "[nag] timezone", "an IANA zone name such as Europe/Berlin")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(n.timezone)
    except Exception:
        raise ConfigError(f"invalid [nag] timezone {n.timezone!r}: expected an IANA zone name such as UTC or Europe/Berlin") from None
    escalate_to = env.get("PREDTRACK_NAG_ESCALATE_TO")
    n.escalate_to = _address_list(escalate_to if escalate_to is not None else nag.get("escalate_to", []), "[nag] escalate_to")
    weekly = env.get("PREDTRACK_NAG_WEEKLY_DIGEST")
    n.weekly_digest = (
        _env_bool(weekly, "PREDTRACK_NAG_WEEKLY_DIGEST") if weekly is not None
        else _expect(nag.get("weekly_digest", False), bool, "[nag] weekly_digest", "true or false")
    )

    deadlines = _section(data, "deadlines", path)
    vague = deadlines.get("vague", {})
    if not isinstance(vague, dict) or not all(isinstance(v, str) for v in vague.values()):
        raise ConfigError(f"{path}: [deadlines.vague] must map horizon names to durations such as \"6 weeks\"")
    settings.vague_horizons = dict(vague)

    probability = _section(data, "probability", path)
    words = probability.get("words", {})
    if not isinstance(words, dict):
        raise ConfigError(f"{path}: [probability.words] must map phrases to numbers in [0, 1]")
    for phrase, value in words.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ConfigError(f"invalid [probability.words] {phrase!r} = {value!r}: expected a number in [0, 1]")
    settings.probability_words = {str(k).lower(): float(v) for k, v in words.items()}
    return settings
