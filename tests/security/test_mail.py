"""The mail senders: the file outbox writes each message once (a job run twice leaves one file)
and lives beside the SQLite file by default; the SMTP sender speaks to a real SMTP peer on a
loopback port (a minimal server written here for the test) with the configured sender."""

from __future__ import annotations

import socketserver
import threading

from civility.settings import load_settings
from civility.workflow.mail import Mail, OutboxSender, SmtpSender, outbox_dir, sender_from_settings


def test_outbox_writes_one_file_per_message_id(tmp_path):
    outbox = OutboxSender(tmp_path / "out")
    mail = Mail(to="a@example.org", subject="Hi", body="Body", kind="test", message_id="m-1")
    outbox.send(mail)
    outbox.send(mail)
    assert [m["to"] for m in outbox.messages()] == ["a@example.org"]
    assert not list((tmp_path / "out").glob("*.tmp"))
    OutboxSender(tmp_path / "out").send(Mail(to="b@example.org", subject="x", body="y"))
    assert len(outbox.messages()) == 2


def test_message_ids_cannot_escape_the_outbox(tmp_path):
    outbox = OutboxSender(tmp_path / "out")
    outbox.send(Mail(to="a@example.org", subject="s", body="b", message_id="../../etc/passwd"))
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["etcpasswd.json"]


def test_default_outbox_sits_beside_the_sqlite_file(tmp_path):
    settings = load_settings({"database_url": f"sqlite:///{tmp_path / 'site.db'}"}, environ={})
    assert outbox_dir(settings) == tmp_path / "outbox"
    explicit = load_settings({"mail_outbox_dir": str(tmp_path / "elsewhere")}, environ={})
    assert outbox_dir(explicit) == tmp_path / "elsewhere"


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for one message; what it received goes to server.received."""

    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        envelope: dict = {"rcpt": []}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode().strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 test\r\n")
            elif verb == "MAIL":
                envelope["from"] = line.decode().strip()
                self.wfile.write(b"250 ok\r\n")
            elif verb == "RCPT":
                envelope["rcpt"].append(line.decode().strip())
                self.wfile.write(b"250 ok\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go on\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                envelope["data"] = data.decode("utf-8", "replace")
                self.server.received.append(envelope)
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"502 not here\r\n")


def test_smtp_sender_talks_to_a_real_peer():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        settings = load_settings(
            {
                "mail_backend": "smtp",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_starttls": False,
                "mail_from": "news@publisher.example",
            },
            environ={},
        )
        sender = sender_from_settings(settings)
        assert isinstance(sender, SmtpSender)
        sender.send(
            Mail(to="reader@example.org", subject="Your comment is published", body="Link: x", message_id="published-7")
        )
    finally:
        server.shutdown()
        server.server_close()
    [envelope] = server.received
    assert "news@publisher.example" in envelope["from"]
    assert [r.upper() for r in envelope["rcpt"]] == ["RCPT TO:<READER@EXAMPLE.ORG>"]
    assert "Subject: Your comment is published" in envelope["data"]
    assert "published-7" in envelope["data"]  # the Message-ID, stable across job retries
