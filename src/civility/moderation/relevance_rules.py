"""What the publisher's rules welcome whatever the similarity says: short reactions ("Exactly.",
"Well said") and remarks about the publisher's own coverage ("Why does nobody report on X?")."""

from __future__ import annotations

import re

AGREEMENT_CAP = 0.10  # most off_topic a short reaction can score
OUTLET_CAP = 0.15  # most off_topic a remark about the coverage can score
SHORT_CAP = 0.50  # three words or fewer: too little to judge, never confidently off-topic

_WORDS = re.compile(r"\w+")
_REACTION = re.compile(
    r"^\W{0,5}(?:(?:yes|yeah|yep|no|nope|exactly|agreed?|true|so\s+true|very\s+true|well\s+said|spot\s+on|this|indeed|"
    r"absolutely|correct|right|quite\s+right|thank\s+you|thanks|great|good|excellent|interesting|nailed\s+it|bravo|amen|"
    r"hear,?\s+hear|couldn'?t\s+agree\s+more|i\s+(?:fully\s+|totally\s+|completely\s+)?(?:dis)?agree|disagree|"
    r"nonsense|rubbish|sad|so\s+sad|terrible|shocking|wow|unbelievable|finally|about\s+time|\+1|what\s+a\s+(?:shame|mess|joke)|"
    r"good\s+(?:point|article|piece|read|job)|great\s+(?:article|piece|read|reporting|journalism|job|point)|"
    r"thanks\s+for\s+(?:this|the\s+(?:article|report|piece))|well\s+written|well\s+put)\b[\s\W]{0,8}){1,3}$",
    re.IGNORECASE,
)
_OUTLET = re.compile(
    r"\bwhy\s+(?:does|do|did|is|are|isn'?t|aren'?t|doesn'?t|don'?t|won'?t|didn'?t|has|have|hasn'?t|haven'?t)\s+"
    r"(?:nobody|no\s+one|no-one|noone|anyone|anybody|the\s+media|the\s+press|you|your\s+paper|this\s+paper|journalists?|reporters?)\b"
    r"[^.?!]{0,80}?\b(?:report|cover|mention|talk|write|ask|investigat|print|publish)\w*"
    r"|\b(?:your|this|the)\s+(?:paper|newspaper|outlet|site|website|coverage|reporting|journalism|newsroom|publication|"
    r"editors?|editorial\s+(?:line|team|board)|reporters?|journalists?|headline|correspondent)\b"
    r"|\b(?:you|you\s+guys|your\s+(?:paper|site))\s+(?:never|always|didn'?t|don'?t|won'?t|should|keep|failed\s+to)\s+"
    r"(?:report|cover|mention|write|ask|print|publish|investigat)\w*"
    r"|\b(?:mainstream|main\s+stream|legacy|western)\s+media\b|\bthe\s+media\s+(?:is|are|never|won'?t|doesn'?t|ignores?|keeps?)\b"
    r"|\bclick\s?bait\b|\bpaywall\b|\bfake\s+news\b|\bone-sided\b|\b(?:biased|lazy|shoddy|sloppy|poor)\s+"
    r"(?:coverage|reporting|journalism|article|piece|headline)\b|\b(?:cancel(?:l?ed|l?ing)?\s+my|unsubscrib\w*)\s*subscription"
    r"|\bunsubscrib\w*|\bcorrection\s+(?:needed|please)\b|\bthe\s+article\s+(?:fails|forgets|ignores|omits|doesn'?t\s+mention)\b",
    re.IGNORECASE,
)


def word_count(text: str) -> int:
    return len(_WORDS.findall(text))


def is_agreement(text: str) -> bool:
    """A short reaction: at most eight words made of agreement / reaction phrases."""
    return word_count(text) <= 8 and bool(_REACTION.match(text.strip()))


def about_the_outlet(text: str) -> str | None:
    """The words that make a comment about the publisher or its coverage, or None."""
    m = _OUTLET.search(text)
    return m.group(0) if m else None
