"""Every error civility raises on purpose, in one place.

    CivilityError
     ├── ConfigError            a setting is missing, unknown or unsafe (start-up refuses)
     ├── ValidationError        user input is wrong; carries per-field messages
     ├── NotFound               the article / comment / moderator does not exist
     ├── Conflict               the state moved under you (two moderators, a duplicate)
     ├── RateLimited            too many requests; carries retry_after seconds
     ├── PermissionDenied       not logged in, wrong role, bad CSRF token
     ├── ModelError             a model artifact is missing, corrupt or from another version
 ├── MailError              a mail could not be sent (the message never names the recipient)
     └── InputFormatError       a malformed line in a JSON Lines file (carries the line number)

The web layer turns these into HTTP responses in one module (``web/errors.py``);
the CLI turns them into a message and a non-zero exit code.
"""

from __future__ import annotations


class CivilityError(Exception):
    """Base class: something civility can explain to the person who caused it."""


class ConfigError(CivilityError):
    """A setting is missing, unknown, badly typed or unsafe; fix the config file or the env var named."""


class ValidationError(CivilityError):
    """User input failed validation. ``fields`` maps a field name to what is wrong with it."""

    def __init__(self, fields: dict[str, str], message: str = "Some fields need attention."):
        super().__init__(message)
        self.fields = dict(fields)


class NotFound(CivilityError):
    """The thing asked for does not exist (or is not visible to the asker)."""


class Conflict(CivilityError):
    """The state changed under the request (e.g. another moderator decided first)."""


class CommentsClosed(Conflict):
    """The article takes no more comments (closed by hand, or after the configured number of days)."""


class RateLimited(CivilityError):
    """Too many requests from this address or email; try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = int(retry_after)


class PermissionDenied(CivilityError):
    """Not logged in, the wrong role, or a missing/invalid CSRF token."""


class ModelError(CivilityError):
    """A model artifact cannot be used: missing, corrupt, or made by an incompatible version."""


class MailError(CivilityError):
    """A mail could not be handed to the mail server. The message names the kind of mail and
    the server's reason class, never the recipient (it ends up in job errors and logs)."""


class InputFormatError(CivilityError):
    """A malformed line in an input file; ``line`` is 1-based."""

    def __init__(self, message: str, line: int):
        super().__init__(f"line {line}: {message}")
        self.line = line
