"""The regular expressions behind the promotion signals. Every quantifier is bounded and every
pattern anchors its start on a boundary, so matching stays linear on hostile input (no ReDoS)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, cast

_I = re.IGNORECASE


class _Caseless:
    """A case-insensitive pattern run on ``text.lower()`` without the IGNORECASE flag (several
    times faster in `re`); spans are the same because lowering keeps the length (else the slow path)."""

    def __init__(self, source: str):
        self.fast = re.compile(source)
        self.slow = re.compile(source, re.IGNORECASE)
        self.pattern = source

    def _pick(self, text: str) -> tuple[re.Pattern[str], str]:
        low = text.lower()
        return (self.fast, low) if len(low) == len(text) else (self.slow, text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        regex, subject = self._pick(text)
        return regex.finditer(subject)

    def search(self, text: str) -> re.Match[str] | None:
        regex, subject = self._pick(text)
        return regex.search(subject)

    def findall(self, text: str) -> list[Any]:
        regex, subject = self._pick(text)
        return regex.findall(subject)


_SEP = r"[\s\-_]{1,3}"  # between the words of a phrase

SHORTENERS = frozenset(
    "bit.ly goo.gl tinyurl.com t.co ow.ly is.gd buff.ly cutt.ly rb.gy shorturl.at tiny.cc rebrand.ly".split()
)
_TLDS = (
    "com|net|org|info|biz|shop|store|online|site|website|xyz|top|club|live|app|io|co|me|tv|ly|gl|gd|cc|"
    "us|uk|de|fr|ru|in|br|es|it|nl|pl|tk|ml|ga|cf|gq|to|ws|link|click|page|blog|news|eu|ca|au"
)
_SCHEME_URL = _Caseless(r"(?<![\w/])(?:https?://|www\.)[^\s<>\"'\u200b]{1,2000}")
_BARE_DOMAIN = _Caseless(
    r"(?<![\w@.\-/])((?:[a-z0-9][a-z0-9\-]{0,62}\.){1,4}(?:" + _TLDS + r"))(?![\w\-])(?:/[^\s<>\"']{0,500})?",
)
_HOST = re.compile(r"(?:https?://)?([^/?#:\s]{1,253})", _I)


def _mentions(text: str, cues: tuple[str, ...]) -> bool:
    """Cheap substring pre-check: most comments hold no cue at all, and `in` runs in C."""
    low = text.lower()
    return any(cue in low for cue in cues)


_LINK_HINT = re.compile(r"\.[^\W\d_]{2}")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Link:
    start: int
    end: int
    domain: str


def find_links(text: str) -> list[Link]:
    links: list[Link] = []
    if not _LINK_HINT.search(text):
        return links
    taken: list[tuple[int, int]] = []
    for m in _SCHEME_URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?)]}":  # sentence punctuation after a link
            end -= 1
        host = cast(re.Match[str], _HOST.match(text, m.start())).group(1).lower()  # the scheme URL starts a host
        host = host[4:] if host.startswith("www.") else host
        links.append(Link(m.start(), end, host))
        taken.append((m.start(), end))
    for m in _BARE_DOMAIN.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        domain = m.group(1).lower()
        links.append(Link(m.start(), m.end(), domain[4:] if domain.startswith("www.") else domain))
    return sorted(links, key=lambda link: link.start)


_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d(?:[ .()\-]{0,2}\d){6,14}(?!\w)")
_PHONE_GROUPED = re.compile(r"^(?:\+|00)|^\(?\d{3}\)?[ .\-]\d{3}[ .\-]\d{4}$")
_PHONE_CUE = _Caseless(
    r"(?:call|text|phone|tel|whats\s{0,2}app|sms|contact|mobile|cell|ring)\W{0,5}(?:\w{1,12}\W{1,3}){0,2}$"
)
_YEARS = re.compile(r"^(?:1[89]|20)\d\d(?:\D{1,3}(?:1[89]|20)\d\d)*$")


def find_phones(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    if len(_DIGIT.findall(text)) < 7:
        return out
    for m in _PHONE.finditer(text):
        raw = m.group(0)
        digits = sum(ch.isdigit() for ch in raw)
        if not 7 <= digits <= 15 or _YEARS.match(raw):
            continue
        cue = _PHONE_CUE.search(text[max(0, m.start() - 40) : m.start()])
        if cue or _PHONE_GROUPED.match(raw) or digits >= 10:
            out.append((m.start(), m.end()))
    return out


_EMAIL = _Caseless(r"(?<![\w.+\-])[\w.+\-]{1,64}@[a-z0-9\-]{1,63}(?:\.[a-z0-9\-]{1,63}){0,4}\.[a-z]{2,24}(?![\w])")
_EMAIL_SPELLED = _Caseless(
    r"(?<!\w)[\w.]{1,64}\s{0,3}[\[(]?\s{0,2}(?:@|at)\s{0,2}[\])]?\s{0,3}(?:gmail|yahoo|hotmail|outlook|proton(?:mail)?|icloud|aol)"
    r"(?:\s{0,3}[\[(]?\s{0,2}(?:\.|dot)\s{0,2}[\])]?\s{0,3}com)?(?!\w)",
)


_EMAIL_CUES = ("@", "gmail", "yahoo", "hotmail", "outlook", "proton", "icloud", "aol")


def find_emails(text: str) -> list[tuple[int, int]]:
    if not _mentions(text, _EMAIL_CUES):
        return []
    spans = [(m.start(), m.end()) for m in _EMAIL.finditer(text)]
    spans += [
        (m.start(), m.end()) for m in _EMAIL_SPELLED.finditer(text) if not any(s <= m.start() < e for s, e in spans)
    ]
    return sorted(spans)


_MESSENGER_LINK = _Caseless(r"(?<![\w.])(?:t\.me|wa\.me|telegram\.me|chat\.whatsapp\.com)/[\w+\-]{1,64}")
_MESSENGER = _Caseless(r"\b(?:whats\s{0,2}app|telegram|kik|wechat|viber|skype|snapchat|signal|line\s{0,2}id|discord)\b")
_CONTACT_INTENT = _Caseless(
    r"\b(?:contact|message|msg|text|dm|pm|inbox|reach|add|chat|write|hit\s{1,3}me|ping|call|talk)\b"
    r"|@\w{2,30}|\+?\d{7,15}|\b(?:my|me)\b",
)
_SOCIAL_HANDLE = _Caseless(
    r"\b(?:ig|insta(?:gram)?|tiktok|twitter|snap(?:chat)?|telegram|kik|follow(?:\s{1,3}me)?|dm|add\s{1,3}me|find\s{1,3}me)"
    r"\s{0,3}(?:on\s{1,3}\w{1,12}\s{0,3})?[:\-]?\s{0,3}@\w{2,30}",
)


_MESSENGER_CUES = (
    "@",
    "t.me",
    "wa.me",
    "telegram",
    "whats",
    "kik",
    "wechat",
    "viber",
    "skype",
    "snap",
    "signal",
    "line",
    "discord",
)


def find_messengers(text: str) -> list[tuple[int, int]]:
    """Messenger contacts with contact intent: "add me on Telegram", "whatsapp +44...", "t.me/x".
    A bare mention ("the militia's Telegram channel") is news, not promotion."""
    if not _mentions(text, _MESSENGER_CUES):
        return []
    spans = [(m.start(), m.end()) for m in _MESSENGER_LINK.finditer(text)]
    spans += [(m.start(), m.end()) for m in _SOCIAL_HANDLE.finditer(text)]
    for n, m in enumerate(_MESSENGER.finditer(text)):
        if n == 50:  # a text repeating a messenger's name is judged on its first mentions
            break
        window = text[max(0, m.start() - 30) : m.start()] + " " + text[m.end() : m.end() + 30]
        if _CONTACT_INTENT.search(window):
            spans.append((m.start(), m.end()))
    return sorted(set(spans))


_CHANNEL = _Caseless(
    r"\b(?:check(?:"
    + _SEP
    + r"it)?(?:"
    + _SEP
    + r"out)?"
    + _SEP
    + r"(?:my|our|this)"
    + _SEP
    + r"(?:\w{1,15}"
    + _SEP
    + r")?"
    r"(?:channel|page|video|vid|music|song|songs|track|site|website|blog|profile|mixtape|account|youtube|cover|remix|book|app|stuff)"
    r"|(?:visit|go\s{1,3}to|see|watch|listen\s{1,3}to|look\s{1,3}at|hear)"
    + _SEP
    + r"my"
    + _SEP
    + r"(?:new"
    + _SEP
    + r")?(?:channel|page|video|vid|site|website|blog|profile|music|track|song|rap|cover)"
    r"|my" + _SEP + r"new" + _SEP + r"(?:channel|video|vid|track|song|single|mixtape|album|rap|cover)"
    r"|(?:made|started|created|have|got|run)"
    + _SEP
    + r"(?:a|my|our)"
    + _SEP
    + r"(?:\w{1,15}"
    + _SEP
    + r")?(?:youtube"
    + _SEP
    + r")?channel"
    r"|subscribe" + _SEP + r"(?:now|today|pls|please|plz)"
    r"|(?:please|pls|plz|and|just|go|u|you|everyone)" + _SEP + r"sub(?:scribe)?\b"
    r"|sub(?:scribe)?" + _SEP + r"(?:to" + _SEP + r")?(?:my|me|us|our)\b"
    r"|sub\s{0,2}(?:4|for)\s{0,2}sub|subscribe\s{0,3}back|subscribers?\s{1,3}(?:please|pls|plz)"
    r"|follow" + _SEP + r"(?:me|my|us|our)\b|like\s{1,3}this\s{1,3}comment|thumbs\s{1,3}up\s{1,3}so"
    r"|my\s{1,3}(?:youtube\s{1,3})?channel|my\s{1,3}(?:soundcloud|mixtape|instagram|insta|tiktok|twitch|onlyfans)"
    r"|link\s{1,3}in\s{1,3}(?:my\s{1,3})?bio|support\s{1,3}(?:me|my|us)\b|donate\s{1,3}(?:to\s{1,3})?(?:me|us|my)\b"
    r"|(?:give|leave)\s{1,3}(?:it|me)\s{1,3}a\s{1,3}(?:listen|like|sub)|share\s{1,3}(?:this|my)\s{1,3}(?:video|channel|page))",
)


_CHANNEL_CUES = (
    "check",
    "sub",
    "follow",
    "channel",
    "my",
    "like",
    "thumbs",
    "link",
    "support",
    "donate",
    "share",
    "listen",
)


def find_channel_promo(text: str) -> list[tuple[int, int]]:
    if not _mentions(text, _CHANNEL_CUES):
        return []
    return [(m.start(), m.end()) for m in _CHANNEL.finditer(text)]


_MONEY_OFFER = _Caseless(
    r"\b(?:make|making|earn|earning|get)"
    + _SEP
    + r"(?:\w{1,12}"
    + _SEP
    + r"){0,2}(?:money|cash|income|\$\s{0,2}\d{1,9})"
    r"|work(?:ing)?"
    + _SEP
    + r"from"
    + _SEP
    + r"home|(?:get|got|be|getting)"
    + _SEP
    + r"paid\b|free"
    + _SEP
    + r"(?:gift|giveaway|money|iphone|followers|likes|views|trial|samples?)"
    r"|\d{1,3}\s{0,2}%\s{0,2}off\b|(?:buy|order)"
    + _SEP
    + r"now\b|limited"
    + _SEP
    + r"(?:time|offer)|best"
    + _SEP
    + r"(?:deals?|prices?)"
    r"|(?:discount(?:ed)?|wholesale)" + _SEP + r"\w{3,20}|(?:investment|business)" + _SEP + r"opportunit(?:y|ies)"
    r"|passive"
    + _SEP
    + r"income|forex|binary"
    + _SEP
    + r"options|online"
    + _SEP
    + r"casino|viagra|payday"
    + _SEP
    + r"loans?\b",
)
_PRICE = _Caseless(
    r"(?<![\w$€£])(?:[$€£]\s{0,2}\d[\d,.]{0,12}(?:\s{0,2}[kKmM]\b)?|\d[\d,.]{0,12}\s{0,2}(?:\$|€|£|usd|eur|gbp|dollars|euros|bucks)\b)"
)
_SALES_CUE = _Caseless(
    r"\b(?:only|just|buy|order|sale|deal|discount|shop|price|offer|cheap|save|free|per\s{1,3}month|shipping)\b"
)


_MONEY_CUES = (
    "money",
    "cash",
    "income",
    "$",
    "€",
    "£",
    "home",
    "paid",
    "free",
    "%",
    "buy",
    "order",
    "limited",
    "best",
    "discount",
    "wholesale",
    "opportunit",
    "passive",
    "forex",
    "binary",
    "casino",
    "viagra",
    "loan",
    "usd",
    "eur",
    "gbp",
    "dollar",
    "bucks",
)


def find_money(text: str) -> list[tuple[int, int]]:
    """Money offers, and prices only where a sales word is near ("only $19.99"): a news
    comment about a "$2bn aid package" quotes a figure, it does not sell anything."""
    if not _mentions(text, _MONEY_CUES):
        return []
    spans = [(m.start(), m.end()) for m in _MONEY_OFFER.finditer(text)]
    for m in _PRICE.finditer(text):
        if _SALES_CUE.search(text[max(0, m.start() - 30) : m.end() + 30]):
            spans.append((m.start(), m.end()))
    return sorted(set(spans))


_CODE = _Caseless(
    r"\b(?:promo|discount|coupon|referral|voucher|invite|invitation|bonus)"
    + _SEP
    + r"code\s{0,3}[:=\-]?\s{0,3}[A-Za-z0-9]{3,20}\b"
    r"|\b(?:use|enter|apply)" + _SEP + r"(?:my" + _SEP + r")?code\s{0,3}[:=\-]?\s{0,3}[A-Za-z0-9]{3,20}\b"
    r"|[?&](?:ref|aff|affiliate|referral|invite)=[\w\-]{1,40}|/(?:ref|aff|r)/[\w\-]{2,40}",
)


_CODE_CUES = ("code", "ref", "aff", "invite", "/r/")


def find_codes(text: str) -> list[tuple[int, int]]:
    if not _mentions(text, _CODE_CUES):
        return []
    return [(m.start(), m.end()) for m in _CODE.finditer(text)]


_CRYPTO = re.compile(r"(?<![\w])(?:bc1[a-z0-9]{25,59}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|0x[a-fA-F0-9]{40})(?!\w)")


def find_crypto_addresses(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _CRYPTO.finditer(text)]
