"""The publisher's rules as category ids: the one list every score, reason and threshold uses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    id: str
    rule: str
    parent: str | None = None


_TABLE = (
    Category("toxic", "would be rejected under any of the rules (umbrella score)"),
    Category("profanity", "profanity, vulgarity, obscene or sexually explicit text"),
    Category("threat", "threats of violence or harm"),
    Category("insult", "personal attacks on a person"),
    Category("identity_attack", "abuse aimed at a group identity"),
    Category("sexism", "abuse aimed at sex or gender", parent="identity_attack"),
    Category("racism", "abuse aimed at race or ethnicity", parent="identity_attack"),
    Category("homophobia", "abuse aimed at sexual orientation", parent="identity_attack"),
    Category("xenophobia", "abuse aimed at national origin or migrants", parent="identity_attack"),
    Category("religious_hate", "abuse aimed at a religion", parent="identity_attack"),
    Category("spam", "commercial or personal promotion"),
    Category("off_topic", "not relevant to the article"),
)

CATEGORY_TABLE: dict[str, Category] = {c.id: c for c in _TABLE}
CATEGORIES: tuple[str, ...] = tuple(c.id for c in _TABLE)
