"""Reading an HTML form body as UTF-8 text, or saying which field is not.

Starlette decodes a urlencoded body as latin-1 and replaces invalid percent-escapes, and falls
back to latin-1 for multipart parts that are not valid in their charset: either way a byte
that is not UTF-8 would become mojibake and be stored. Pages here are UTF-8, so browsers send
UTF-8; anything else is refused with a message next to the field."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from fastapi import Request

MAX_FIELDS = 1000
NOT_UTF8 = "This field was not sent as UTF-8 text; please type it again."


def _decode(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")


async def read_text_fields(request: Request, names: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """(values, errors): the text values of ``names`` ("" when absent, not text or not UTF-8),
    and a message for every field (of ``names``, else "form") whose bytes are not UTF-8."""
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    bad: dict[str, str] = {}
    values: dict[str, str] = {}
    if content_type == "application/x-www-form-urlencoded":
        for pair in body.split(b"&")[:MAX_FIELDS]:
            if not pair:
                continue
            raw_name, _, raw_value = pair.partition(b"=")
            try:
                name = _decode(raw_name)
            except UnicodeDecodeError:
                bad["form"] = NOT_UTF8
                continue
            try:
                value = _decode(raw_value)
            except UnicodeDecodeError:
                bad[name if name in names else "form"] = NOT_UTF8
                continue
            values.setdefault(name, value)
    else:
        form = await request.form()
        for name, value in form.multi_items():
            if not isinstance(value, str):
                continue
            # A part starlette could not decode as UTF-8 was read as latin-1: its UTF-8 form
            # is then not in the body. (ASCII and real UTF-8 text always are.)
            if value.encode("utf-8", "surrogatepass") not in body:
                bad[name if name in names else "form"] = NOT_UTF8
                continue
            values.setdefault(name, value)
    return {n: values.get(n, "") for n in names}, bad
