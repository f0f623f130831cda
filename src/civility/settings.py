"""The one table of settings. The CLI, validation, the config file and the docs all come
from ``SETTINGS``. Precedence: built-in default < TOML file (``--config`` or
``CIVILITY_CONFIG``) < ``CIVILITY_<NAME>`` environment variables < explicit overrides."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from typing import Any, Mapping

from civility.errors import ConfigError

# The placeholder that start-up refuses outside demo mode; not a secret.
PLACEHOLDER_SECRET = "change-me"  # nosec B105


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    type: type = str
    choices: tuple[str, ...] | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url", "sqlite:///civility.db", "SQLAlchemy URL: sqlite:///PATH (default) or postgresql://USER@HOST/DB"
    ),
    Setting("secret_key", PLACEHOLDER_SECRET, "Signs sessions and CSRF tokens. Must be changed outside demo mode"),
    Setting("site_name", "civility", "Name shown in page titles and the header"),
    Setting(
        "site_language",
        "en",
        "Language of the reader pages that belong to no article (home, rules); an article's pages use the article's language",
        choices=("en", "ckb", "kmr", "ar", "fa", "tr"),
    ),
    Setting(
        "base_url",
        "http://127.0.0.1:8000",
        "Public address of this server, used in the embed snippet and links in mail",
    ),
    Setting(
        "moderation",
        "auto",
        "auto: score with the model and apply the policy; hold: hold every comment for review",
        choices=("auto", "hold"),
    ),
    Setting("model_dir", "", "Directory of a model artifact; empty uses the model shipped in the package"),
    Setting(
        "relevance",
        "auto",
        "auto: score off_topic with the semantic model when installed; off: never",
        choices=("auto", "off"),
    ),
    Setting("comment_max_length", 5000, "Longest comment accepted, in characters", int),
    Setting("name_max_length", 80, "Longest commenter name accepted, in characters", int),
    Setting("page_size", 50, "Approved comments per page", int),
    Setting("max_body_bytes", 65536, "Largest request body accepted, in bytes", int),
    Setting("rate_limit_ip_per_hour", 30, "Comments accepted per network address per hour", int),
    Setting("rate_limit_email_per_hour", 10, "Comments accepted per email address per hour", int),
    Setting(
        "login_attempts_per_15min", 5, "Failed moderator logins allowed per account and per address in 15 minutes", int
    ),
    Setting("ip_retention_days", 30, "Network addresses of commenters are deleted after this many days", int),
    Setting(
        "mail_backend",
        "outbox",
        "How mail leaves: outbox (each message written as a JSON file to mail_outbox_dir; dev and tests) or smtp",
        choices=("outbox", "smtp"),
    ),
    Setting(
        "mail_outbox_dir",
        "",
        "Directory of the file outbox (used when mail_backend is outbox); empty: an outbox folder beside the SQLite file, or ./outbox",
    ),
    Setting("mail_from", "civility@localhost", "Sender address of the mail civility sends"),
    Setting("smtp_host", "localhost", "SMTP server (used when mail_backend is smtp)"),
    Setting("smtp_port", 587, "SMTP port", int),
    Setting("smtp_username", "", "SMTP login; empty sends without logging in"),
    Setting("smtp_password", "", "SMTP password"),
    Setting("smtp_starttls", True, "Upgrade the SMTP connection with STARTTLS before sending", bool),
    Setting(
        "notify_on_publish",
        True,
        "Mail commenters a link when their comment is published (never before approval)",
        bool,
    ),
    Setting("privacy_link_max_age", 86400, "Seconds a data export / erasure link sent by mail stays valid", int),
    Setting("session_max_age", 43200, "Moderator session lifetime, in seconds", int),
    Setting(
        "sqlite_synchronous",
        "FULL",
        "SQLite PRAGMA synchronous (FULL survives power loss)",
        choices=("FULL", "NORMAL", "EXTRA"),
    ),
    Setting(
        "queue",
        "embedded",
        "Job queue: embedded (jobs table + in-process worker) or procrastinate (PostgreSQL)",
        choices=("embedded", "procrastinate"),
    ),
    Setting("embedded_worker", True, "Run the embedded worker inside the web process", bool),
    Setting(
        "redis_url",
        "",
        "Redis URL for shared rate limits and caches across web processes; empty keeps them in the database",
    ),
    Setting(
        "submit_wait_ms",
        1500,
        "After storing a comment, wait up to this long for the machine's verdict so the reader is told the truth at once (0: answer held at once; the page still shows the truth on reload)",
        int,
    ),
    Setting(
        "rejection_detail",
        "rule",
        'What a reader whose comment was not published is told: rule (which community rule it broke) or none (only "not published")',
        choices=("rule", "none"),
    ),
    Setting(
        "reports_to_requeue",
        3,
        "Open reader reports that send a published comment back to the review queue (0: never)",
        int,
    ),
    Setting("rate_limit_reports_per_hour", 20, "Reports accepted per network address per hour", int),
    Setting(
        "close_comments_after_days",
        0,
        "Close an article's comments this many days after it was published (0: never)",
        int,
    ),
    Setting(
        "banned_comments",
        "hold",
        "What happens to a comment from a banned address: hold (a moderator reads it) or reject",
        choices=("hold", "reject"),
    ),
    Setting(
        "trusted_after_approved",
        0,
        "Trusted commenters: publish at once after this many approved comments and no rejection in trusted_clean_days (0: off)",
        int,
    ),
    Setting("trusted_clean_days", 30, "Days without a rejected comment a trusted commenter needs", int),
    Setting(
        "webhook_url",
        "",
        "POST comment.published / rejected / withdrawn / reported events here as signed JSON (never an email); empty: off",
    ),
    Setting(
        "webhook_secret", "", "Shared secret of the webhook signature (X-Civility-Signature: sha256=HMAC of the body)"
    ),
    Setting(
        "embed_allowed_origins",
        "",
        "Comma-separated origins (https://news.example) whose pages the embed registers as articles by themselves, from the page's URL and title; empty: articles must be added first",
    ),
    Setting("publisher_token", "", "Bearer token for POST /api/articles; empty disables the endpoint"),
    Setting(
        "link_allowlist",
        "wikipedia.org,who.int,un.org,gov.uk,europa.eu",
        "Comma-separated domains whose links are not a promotion signal (the site's own domain is always allowed)",
    ),
    Setting(
        "learn_every_decisions",
        200,
        "The worker learns a site model after this many new human decisions (0: not on a count)",
        int,
    ),
    Setting("learn_nightly", True, "The worker also learns once a day when there are new human decisions", bool),
    Setting(
        "learn_max_decisions",
        100000,
        "A learning run reads at most this many of the most recent human decisions (0: all)",
        int,
    ),
    Setting(
        "site_model_check_s",
        30,
        "Seconds between checks for a newly promoted site model in each web and worker process",
        int,
    ),
    Setting(
        "site_model_base_languages",
        "en,fr,ar,tr",
        "Comma-separated languages the shipped model judges (those of its training data); once a site model is active, others stay in review until the site's own bands for them are shown",
    ),
    Setting("demo", False, "Demo mode: sample articles and a demo moderator; a placeholder secret is allowed", bool),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    try:
        if setting.type is bool:
            if isinstance(value, bool):
                out: Any = value
            elif str(value).strip().lower() in {"1", "true", "yes", "on"}:
                out = True
            elif str(value).strip().lower() in {"0", "false", "no", "off", ""}:
                out = False
            else:
                raise ValueError(value)
        elif setting.type is int:
            if isinstance(value, bool):
                raise ValueError(value)
            out = int(value)
        else:
            out = str(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"setting {setting.name!r} from {origin}: expected {setting.type.__name__}, got {value!r}"
        ) from None
    if setting.choices and out not in setting.choices:
        raise ConfigError(f"setting {setting.name!r} from {origin}: {out!r} is not one of {', '.join(setting.choices)}")
    if setting.type is int and out < 0:
        raise ConfigError(f"setting {setting.name!r} from {origin}: must not be negative")
    return out


class Settings(Mapping[str, Any]):
    """Validated, read-only settings. Access as ``settings.database_url`` or ``settings["page_size"]``."""

    def __init__(self, values: dict[str, Any]):
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def replace(self, **changes: Any) -> "Settings":
        return load_settings(overrides={**self._values, **changes}, environ={}, config_path=None)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def link_allowlist_domains(self) -> tuple[str, ...]:
        return tuple(d.strip().lower() for d in self.link_allowlist.split(",") if d.strip())


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    config_path: str | os.PathLike[str] | None = None,
    check_secret: bool = False,
) -> Settings:
    """Build settings from the table; unknown keys are reported by name."""
    environ = os.environ if environ is None else environ
    values = {s.name: s.default for s in SETTINGS}

    path = config_path if config_path is not None else environ.get("CIVILITY_CONFIG")
    if path:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        data = data.get("civility", data)
        unknown = sorted(set(data) - set(_BY_NAME))
        if unknown:
            raise ConfigError(f"config file {path}: unknown setting(s) {', '.join(unknown)}")
        for key, value in data.items():
            values[key] = _coerce(_BY_NAME[key], value, f"config file {path}")

    for key, raw in environ.items():
        if not key.startswith("CIVILITY_") or key == "CIVILITY_CONFIG":
            continue
        name = key[len("CIVILITY_") :].lower()
        if name not in _BY_NAME:
            continue  # other tools may share the prefix; config-file keys are checked strictly
        values[name] = _coerce(_BY_NAME[name], raw, f"environment variable {key}")

    for key, value in (overrides or {}).items():
        if key not in _BY_NAME:
            raise ConfigError(f"unknown setting {key!r}")
        values[key] = _coerce(_BY_NAME[key], value, "overrides")

    settings = Settings(values)
    if check_secret and not settings.demo and settings.secret_key in {PLACEHOLDER_SECRET, ""}:
        raise ConfigError(
            "secret_key is the placeholder: set CIVILITY_SECRET_KEY to a long random value "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`) or run with --demo"
        )
    if check_secret and not settings.demo and len(settings.secret_key) < 16:
        raise ConfigError("secret_key is too short: use at least 16 random characters")
    return settings


def describe() -> str:
    """The settings table as Markdown (used by the docs test and `civility settings`)."""
    lines = ["| setting | env var | default | help |", "|---|---|---|---|"]
    for s in SETTINGS:
        lines.append(f"| `{s.name}` | `CIVILITY_{s.name.upper()}` | `{s.default!r}` | {s.help} |")
    return "\n".join(lines)


def example_toml() -> str:
    """A complete, commented config file with every default (``civility settings --toml``)."""
    out = ["# civility configuration. Every setting with its default; delete what you do not change.", "[civility]"]
    for s in SETTINGS:
        out.append(f"# {s.help}" + (f" ({' | '.join(s.choices)})" if s.choices else ""))
        value = s.default
        if isinstance(value, bool):
            rendered = "true" if value else "false"
        elif isinstance(value, int):
            rendered = str(value)
        else:
            rendered = '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        out.append(f"# {s.name} = {rendered}")
    return "\n".join(out) + "\n"
