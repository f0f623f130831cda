"""The forms a leaked e-mail address could take on a public surface: what the canary tests search
every page, feed and API answer for (shared by the HTTP crawl and the browser crawl)."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote, quote_plus


def email_variants(email: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for label, value in (("plain", email), ("lower", email.lower()), ("stripped-lower", email.strip().lower())):
        out[label] = value
        out[f"{label} url-encoded"] = quote(value, safe="")
        out[f"{label} form-encoded"] = quote_plus(value)
        out[f"{label} base64"] = base64.b64encode(value.encode()).decode().rstrip("=")
        out[f"{label} md5"] = hashlib.md5(value.encode()).hexdigest()  # noqa: S324 - searched for, not used
        out[f"{label} sha256"] = hashlib.sha256(value.encode()).hexdigest()
    return out
