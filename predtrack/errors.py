"""Errors the library raises; the CLI turns each into one line and exit code 1.

The library never imports click: commands map these to `click.ClickException`.
"""


class PredtrackError(Exception):
    """Base class: the message is one line a user can act on."""


class InvalidValue(PredtrackError):
    """A value given by the user (flag, file field, CSV cell) cannot be accepted."""

    def __init__(self, field: str, value: object, accepted: str):
        self.field = field
        self.value = value
        self.accepted = accepted
        super().__init__(f"invalid {field} {value!r}: expected {accepted}")


class NotFound(PredtrackError):
    """An id or name that names nothing in the database."""


class AlreadyExists(PredtrackError):
    """An id or name that is already taken."""


class AlreadyResolved(PredtrackError):
    """A resolution was attempted on a prediction that already has one (use --force)."""


class Conflict(PredtrackError):
    """The input contradicts what the database already records."""


class ConfigError(PredtrackError):
    """The configuration file or environment is missing something or holds a bad value."""


class SchemaBehind(PredtrackError):
    """The database schema is older than this predtrack: run `predtrack db upgrade`."""


class FileErrors(PredtrackError):
    """A file (YAML, CSV, article) has one or more errors, each with its place."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))
