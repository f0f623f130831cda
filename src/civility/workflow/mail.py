"""Outgoing mail: one `MailSender` interface, an SMTP sender configured by settings, and a file
outbox used in development and tests. Mail is only ever sent from a job ("send_mail"), never
from a request, so a crash or a slow SMTP server cannot lose or delay an answer."""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import uuid
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Mapping, Protocol

from civility.errors import ConfigError, MailError


@dataclass(frozen=True)
class Mail:
    """One message. ``message_id`` is fixed when the mail is queued, so a job that runs twice
    after a crash writes the same outbox file and sends the same Message-ID (receivers dedupe)."""

    to: str
    subject: str
    body: str
    kind: str = "generic"
    message_id: str = ""

    def with_id(self) -> "Mail":
        if self.message_id:
            return self
        return Mail(self.to, self.subject, self.body, self.kind, uuid.uuid4().hex)


class MailSender(Protocol):
    def send(self, mail: Mail) -> None: ...


class OutboxSender:
    """Writes each mail as ``<message_id>.json`` in a directory (atomic rename, fsync'd).
    Sending the same message twice leaves one file: at-least-once jobs become exactly-once here."""

    def __init__(self, directory: str | os.PathLike[str], sender: str = "civility@localhost"):
        self.directory = Path(directory)
        self.sender = sender

    def send(self, mail: Mail) -> None:
        mail = mail.with_id()
        self.directory.mkdir(parents=True, exist_ok=True)
        record = {**asdict(mail), "from": self.sender, "date": formatdate(localtime=False)}
        final = self.directory / f"{_safe_id(mail.message_id)}.json"
        tmp = final.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(record, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)

    def messages(self) -> list[dict[str, Any]]:
        """Every mail in the outbox, oldest file first (for tests and `serve --demo`)."""
        if not self.directory.is_dir():
            return []
        files = sorted(self.directory.glob("*.json"), key=lambda p: (p.stat().st_mtime_ns, p.name))
        return [json.loads(p.read_text(encoding="utf-8")) for p in files]


class SmtpSender:
    """Sends through an SMTP server; STARTTLS with certificate checks unless turned off."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        username: str = "",
        password: str = "",
        starttls: bool = True,
        timeout: float = 30.0,
    ):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.starttls, self.timeout = starttls, timeout

    def send(self, mail: Mail) -> None:
        mail = mail.with_id()
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg["Date"] = formatdate(localtime=False)
        domain = self.sender.rpartition("@")[2] or "localhost"
        msg["Message-ID"] = make_msgid(idstring=_safe_id(mail.message_id), domain=domain)
        msg.set_content(mail.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            # smtplib's errors quote the recipient: re-raise without it (and without the chain),
            # as this text lands in the job's error and the worker's log.
            raise MailError(
                f"could not send the {mail.kind} mail {mail.message_id[:12]}: {type(exc).__name__}"
            ) from None


def sender_from_settings(settings: Mapping[str, Any]) -> MailSender:
    backend = settings["mail_backend"]
    if backend == "outbox":
        return OutboxSender(outbox_dir(settings), settings["mail_from"])
    if backend == "smtp":
        return SmtpSender(
            settings["smtp_host"],
            int(settings["smtp_port"]),
            sender=settings["mail_from"],
            username=settings["smtp_username"],
            password=settings["smtp_password"],
            starttls=bool(settings["smtp_starttls"]),
        )
    raise ConfigError(f"mail_backend {backend!r} is not outbox or smtp")


def outbox_dir(settings: Mapping[str, Any]) -> Path:
    """The configured outbox, or one beside the SQLite database (so each database, a test's
    temporary one included, keeps its own mail), or ./outbox for other databases."""
    if settings["mail_outbox_dir"]:
        return Path(settings["mail_outbox_dir"])
    url = str(settings["database_url"])
    if url.startswith("sqlite:///") and url not in ("sqlite:///:memory:",):
        return Path(url[len("sqlite:///") :]).parent / "outbox"
    return Path("outbox")


def _safe_id(message_id: str) -> str:
    cleaned = "".join(c for c in message_id if c.isalnum() or c in "-_")
    if not cleaned:
        raise ValueError("a mail needs a message id")
    return cleaned[:80]
