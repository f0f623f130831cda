"""Promotion signals a moderator would look for (links, contact details, "check my channel", prices,
codes, reposts, posting velocity), each with evidence in the original text, and how they combine
with the text classifier's spam probability."""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from civility.domain import Evidence, SubmissionContext
from civility.moderation import promotion_patterns as pat
from civility.moderation.logistic import logit, sigmoid
from civility.moderation.neardup import canonical, is_match

WEIGHTS_FILE = Path(__file__).with_name("spam_weights.json")
REFERENCE_DOMAINS_FILE = Path(__file__).with_name("data") / "reference_domains.txt"
# Public bodies, universities and international organisations, recognised by their suffix
# (gov.uk, ons.gov.uk, nih.gov, gouv.fr, ac.uk, who.int ...): readers cite them as sources.
REFERENCE_SUFFIXES = (
    "gov",
    "mil",
    "edu",
    "int",
    "gouv.fr",
    "gc.ca",
    "europa.eu",
    "nhs.uk",
    "police.uk",
    "parliament.uk",
    "gov.tr",
    "gov.iq",
    "gov.krd",
)
_REFERENCE_SECOND_LEVEL = ("gov", "edu", "ac", "mil")  # gov.au, edu.tr, ac.uk, mil.tr ...

# How much of the text model's spam probability counts, by the promotion cues around it. The
# spam head learnt from YouTube comments, where spam talks to "you", links a video and says
# "subscribe": on news comments it takes a reply, a cited source or the word "promote" for
# promotion. A link, or such a word, is evidence of nothing by itself: the text probability
# counts in full only beside a commercial or self-promotional cue (an offer or a price, a
# discount code or an affiliate link, contact details, a messenger, "my channel", a link
# shortener, a repost campaign or posting velocity). A link to a domain that is not a known
# source, or money talk, with no such cue, may send a comment to review but never rejects it: its score is
# scaled into [0, LINK_ONLY_SCALE). With no cue at all, into [0, NO_CUE_SCALE). Scaling rather
# than clipping keeps the order within each group, so the score still ranks.
NO_CUE_SCALE = 0.05
# Cues that are commercial or self-promotional by themselves. Money talk alone is not ("the
# retailers make good money", "free state money", "$515 of the budget"): it counts beside a link
# to an unknown domain, or beside one of these.
# A link shortener hides where a link goes: suspicious, so it may hold a comment for review, but
# readers shorten links to real sources too, so alone it never rejects.
COMMERCIAL_CUES = frozenset({"phone", "email", "messenger", "channel", "code", "crypto"})
LINK_ONLY_SCALE = 0.4

# Context signals have no labelled data; their log-odds are set by hand (why: a moderator's rule of thumb).
REPOST_MIN_CHARS = 30  # "Exactly." posted by many readers is agreement, not a campaign
REPOST_LOGIT = 1.5  # one earlier copy: review, not reject, for a clean text; four copies: reject
VELOCITY_STEPS = ((5, 1.0), (10, 2.0), (20, 3.0))  # (posts in the last hour, log-odds) per email
IP_VELOCITY_STEPS = ((10, 0.7), (30, 1.5), (60, 2.5))  # shared addresses (offices, cafés) are looser


@dataclass(frozen=True)
class PromotionSignals:
    score: float  # in [0, 1], probability of promotion from signals alone
    evidence: tuple[Evidence, ...]  # spans of the original text
    notes: tuple[str, ...]  # readable, one per signal that fired
    # log-odds from the submission context (reposts, velocity) inside ``score``; combine_spam adds it
    # at full weight, because the text classifier cannot see it (the text signals it partly can)
    context_logit: float = 0.0
    # a commercial or self-promotional cue fired (anything but a link to an unknown domain)
    commercial: bool = False
    # cues that are evidence of nothing on their own in a news comment: links to domains that are
    # neither known sources nor on the allow list, and money talk ("make good money", "$515")
    weak_cues: int = 0


@lru_cache(maxsize=1)
def _weights() -> dict[str, Any]:
    with open(WEIGHTS_FILE, encoding="utf-8") as fh:
        weights: dict[str, Any] = json.load(fh)
    return weights


@lru_cache(maxsize=1)
def reference_domains() -> frozenset[str]:
    """The shipped list of domains readers cite as sources (news outlets, NGOs, research)."""
    with open(REFERENCE_DOMAINS_FILE, encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip() and not line.startswith("#"))


def is_reference_domain(domain: str) -> bool:
    """A public body (by suffix), or a known source on the shipped list, or a subdomain of one."""
    labels = domain.lower().rstrip(".").split(".")
    if len(labels) < 2:
        return False
    for suffix in REFERENCE_SUFFIXES:
        parts = suffix.split(".")
        if labels[-len(parts) :] == parts and (len(labels) > len(parts) or len(parts) > 1):
            return True
    if labels[-2] in _REFERENCE_SECOND_LEVEL and len(labels[-1]) == 2:  # gov.uk, ac.uk, edu.tr
        return True
    known = reference_domains()
    return any(".".join(labels[i:]) in known for i in range(len(labels) - 1))


def _allowed(domain: str, allowlist: Sequence[str]) -> bool:
    domain = domain.lower().rstrip(".")
    if domain.startswith("www."):
        domain = domain[4:]
    for allowed in allowlist:
        allowed = allowed.strip().lower().lstrip(".")
        if allowed and (domain == allowed or domain.endswith("." + allowed)):
            return True
    return is_reference_domain(domain)


def _fold(text: str) -> tuple[str, list[int]]:
    """NFKC per character, with the index in ``text`` of every output character."""
    if text.isascii():
        return text, list(range(len(text) + 1))
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch) if ord(ch) > 127 else ch
        out.append(folded)
        offsets.extend([i] * len(folded))
    offsets.append(len(text))
    return "".join(out), offsets


def text_features(text: str, allowlist: Sequence[str] = ()) -> tuple[dict[str, float], list[Evidence], list[str]]:
    """The text-only signals: features for the weights, evidence spans and notes."""
    feats: dict[str, float] = {}
    evidence: list[Evidence] = []
    notes: list[str] = []

    # Patterns run on a per-character NFKC form (fullwidth "ｈｔｔｐ" becomes "http"); spans map back.
    folded, offsets = _fold(text)

    def hit(start: int, end: int) -> None:
        o_start, o_end = offsets[start], (offsets[end - 1] + 1 if end > start else offsets[start])
        evidence.append(Evidence(o_start, o_end, text[o_start:o_end]))

    unlisted: list[str] = []
    shorteners: list[str] = []
    for link in pat.find_links(folded):
        if _allowed(link.domain, allowlist):
            continue
        hit(link.start, link.end)
        (shorteners if link.domain in pat.SHORTENERS else unlisted).append(link.domain)
    if unlisted:
        feats["link_unlisted"] = min(len(unlisted), 3)
        names = ", ".join(sorted(set(unlisted))[:3])
        notes.append(f"{len(unlisted)} link(s) to unlisted domain(s) {names}")
    if shorteners:
        feats["link_shortener"] = 1.0
        notes.append(f"link shortener hides the destination ({', '.join(sorted(set(shorteners)))})")

    for name, finder, note in (
        ("phone", pat.find_phones, "phone number"),
        ("email", pat.find_emails, "email address"),
        ("messenger", pat.find_messengers, "messenger contact"),
        ("channel", pat.find_channel_promo, "asks readers to visit, subscribe or follow"),
        ("money", pat.find_money, "money offer or price"),
        ("code", pat.find_codes, "discount or referral code"),
        ("crypto", pat.find_crypto_addresses, "cryptocurrency address"),
    ):
        spans = finder(folded)
        if spans:
            feats[name] = 1.0
            for start, end in spans:
                hit(start, end)
            shown = "; ".join(repr(folded[s:e][:40]) for s, e in spans[:2])
            notes.append(f"{note}: {shown}")
    return feats, evidence, notes


def _context_logit(text: str, context: SubmissionContext) -> tuple[float, list[str]]:
    z, notes = 0.0, []
    dups = [(cid, sim) for cid, sim in context.near_duplicates if is_match(sim)]
    if dups and len(canonical(text)) >= REPOST_MIN_CHARS:
        z += REPOST_LOGIT + 0.5 * math.log2(len(dups))
        best = max(sim for _, sim in dups)
        notes.append(f"same or nearly the same text posted {len(dups)} time(s) before (similarity up to {best:.2f})")
    for count, steps, who in (
        (context.posts_by_email_last_hour, VELOCITY_STEPS, "email"),
        (context.posts_by_ip_last_hour, IP_VELOCITY_STEPS, "network address"),
    ):
        bump = max((lo for n, lo in steps if count >= n), default=0.0)
        if bump:
            z += bump
            notes.append(f"posted {count} times in 1 h from this {who}")
    return z, notes


def promotion_signals(
    text: str, context: SubmissionContext | None = None, allowlist: Sequence[str] = ()
) -> PromotionSignals:
    """Signals alone, as a probability of promotion with the evidence and a note per signal."""
    context = context or SubmissionContext()
    weights = _weights()["signals"]
    feats, evidence, notes = text_features(text, allowlist)
    z = weights["bias"] + sum(weights["coef"].get(name, 0.0) * value for name, value in feats.items())
    ctx_z, ctx_notes = _context_logit(text, context)
    evidence.sort(key=lambda e: (e.start, e.end))
    merged: list[Evidence] = []
    for ev in evidence:  # overlapping hits (a link that is also an email) show once
        if merged and ev.start < merged[-1].end:
            if ev.end > merged[-1].end:
                last = merged.pop()
                merged.append(Evidence(last.start, ev.end, text[last.start : ev.end]))
            continue
        merged.append(ev)
    weak_names = {"money", "link_unlisted", "link_shortener"} & set(feats)
    commercial = (
        bool(COMMERCIAL_CUES.intersection(feats)) or ctx_z > 0 or ("money" in weak_names and len(weak_names) > 1)
    )
    weak = int(feats.get("link_unlisted", 0)) + len(weak_names - {"link_unlisted"})
    return PromotionSignals(
        score=sigmoid(z + ctx_z),
        evidence=tuple(merged),
        notes=tuple(notes + ctx_notes),
        context_logit=ctx_z,
        commercial=commercial,
        weak_cues=weak,
    )


def spam_probability(text_probability: float, signals: PromotionSignals) -> float:
    """The spam score a verdict reports: the text model's probability and the signals combined
    (combine_spam), in full beside a commercial cue, scaled down without one (see NO_CUE_SCALE)."""
    if signals.commercial:
        return combine_spam(text_probability, signals)
    if signals.weak_cues:
        return LINK_ONLY_SCALE * combine_spam(text_probability, signals)
    return combine_spam(NO_CUE_SCALE * float(text_probability), signals)


def no_cue_ceiling() -> float:
    """The highest spam score a text with no promotion cue at all can get (the policy approves
    below it: such a text is not promotion, whatever the text model thinks)."""
    return spam_probability(1.0, promotion_signals(""))


def combine_spam(text_probability: float, signals: PromotionSignals) -> float:
    """P(spam) from the text classifier and the signals: a logistic fit on out-of-fold text scores
    for the text signals, plus the context's log-odds (no labelled data has reposts or velocity)."""
    c = _weights()["combine"]
    text_signals = logit(signals.score) - signals.context_logit
    z = c["text"] * logit(text_probability) + c["signals"] * text_signals + c["bias"] + signals.context_logit
    return sigmoid(z)
