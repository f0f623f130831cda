"""Sample content for `civility serve --demo`: four news articles written for the project, comments
in every state (published, rejected, waiting for review; one in each of the publisher's other
languages: Arabic, Sorani, Kurmanji, Persian, Turkish, to show right-to-left text and the language filter),
and a demo moderator whose random password is printed once. Loaded only into an empty database."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from civility.domain import CommentStatus
from civility.workflow.platform import Platform
from civility.workflow.types import ArticleIn

DEMO_MODERATOR = "demo"
DEMO_IP = "192.0.2.10"  # TEST-NET-1: documentation addresses, never a real reader


@dataclass(frozen=True)
class DemoInfo:
    moderator: str
    password: str
    article_ids: tuple[str, ...]
    comments: int


def _ago(hours: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(hours=hours)


ARTICLES: tuple[ArticleIn, ...] = (
    ArticleIn(
        id="ceasefire-talks-resume",
        title="Ceasefire talks resume as aid convoys wait at the border crossing",
        source="civility demo desk",
        published_at=_ago(3),
        body=(
            "Negotiators returned to the table on Tuesday after a week-long pause, with mediators "
            "saying both delegations had agreed to discuss a 30-day extension of the truce that has "
            "largely held since early October.\n\n"
            "At the main border crossing, more than 120 lorries carrying flour, medicine and fuel "
            "were still waiting for inspection by nightfall. Aid agencies said the queue had grown "
            "every day since the pause began, and that hospitals on the other side were rationing "
            "generator fuel to keep intensive-care wards running.\n\n"
            'A spokesperson for the mediators said the first session had been "constructive" and '
            "that a joint committee would meet on Thursday to agree on inspection procedures. "
            "Local residents interviewed near the crossing said they had heard such promises before "
            "and would believe them when the lorries moved."
        ),
    ),
    ArticleIn(
        id="city-budget-2027",
        title="City council passes a 2027 budget that raises bus fares and cuts library hours",
        source="civility demo desk",
        published_at=_ago(26),
        body=(
            "The city council approved next year's budget by 27 votes to 22 on Monday night, after "
            "a six-hour session in which more than 40 residents spoke during public comment.\n\n"
            "The plan closes a projected shortfall of 38 million by raising the standard bus fare "
            "from 2.10 to 2.40, trimming opening hours at nine branch libraries, and delaying the "
            "resurfacing of two arterial roads by a year. Spending on street cleaning and on the "
            "youth employment programme rises slightly.\n\n"
            "The finance committee's chair said the council had \"protected the services people use "
            'every day". Opponents argued that fare rises fall hardest on shift workers and that the '
            "library cuts would hit the neighbourhoods with the fewest alternatives. The budget "
            "takes effect on 1 January."
        ),
    ),
    ArticleIn(
        id="heatwave-warning-extended",
        title="Heatwave warning extended to the weekend as night temperatures stay above 25C",
        source="civility demo desk",
        published_at=_ago(0.75),
        body=(
            "The national weather service extended its amber heat warning until Sunday evening, with "
            "daytime highs expected to reach 39C inland and nights staying above 25C in the largest "
            "cities.\n\n"
            "Health officials urged people to check on elderly neighbours, keep curtains closed during "
            "the day and avoid strenuous exercise between 11am and 5pm. Twelve cooling centres will "
            "open in public buildings, and several swimming pools will extend their hours.\n\n"
            "Water companies asked customers to postpone garden watering, saying demand on Wednesday "
            "was the highest recorded this year. Farmers' groups warned that a second week of heat "
            "would damage late crops that are already behind schedule."
        ),
    ),
    ArticleIn(
        id="river-library-reopens",
        title="Riverside library reopens after flood repairs, with a new reading room for teenagers",
        source="civility demo desk",
        published_at=_ago(24 * 5),
        body=(
            "Eighteen months after floodwater reached its ground floor, the riverside branch library "
            "reopened on Saturday with raised shelving, a flood barrier at the main entrance and a "
            "reading room designed with a group of local teenagers.\n\n"
            "The repairs cost 2.3 million, most of it covered by insurance. Around 9,000 books were "
            "lost; staff said donations had replaced about a third of them, and that the local "
            "history archive, moved upstairs before the flood, survived intact.\n\n"
            "Opening hours remain shorter than before the flood while the library recruits staff."
        ),
    ),
)

# (article id, name, email, text, final state: approve | reject | pending)
COMMENTS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "ceasefire-talks-resume",
        "Mariam K.",
        "mariam@example.org",
        "The lorries at the crossing are the real test. A committee meeting on Thursday means nothing to a "
        "hospital running out of fuel tonight.",
        "approve",
    ),
    (
        "ceasefire-talks-resume",
        "سلمى",
        "salma@example.net",
        "نأمل أن تنجح المفاوضات هذه المرة، فالناس على جانبي الحدود ينتظرون الدواء والوقود منذ أسابيع. "
        "شكراً على التغطية الدقيقة.",
        "approve",
    ),
    (
        "ceasefire-talks-resume",
        "Tom",
        "tom@example.com",
        "Your reporting last week left out the mediators' own statement. Please link the primary sources "
        "next time; I'd like to read them myself.",
        "approve",
    ),
    (
        "ceasefire-talks-resume",
        "deals4u",
        "promo@example.com",
        "Cheap flights to anywhere!!! Visit my channel and use code WIN50 for half price.",
        "reject",
    ),
    (
        "city-budget-2027",
        "Ruth Alvarez",
        "ruth@example.org",
        "As a night-shift nurse I take two buses each way. Thirty cents more per ride is about 250 a year "
        "for me. I wish the council had looked at a cap for monthly passes.",
        "approve",
    ),
    (
        "city-budget-2027",
        "Jonas",
        "jonas@example.net",
        "Fair summary of the vote. It would help to see which libraries lose which hours; is there a table?",
        "pending",
    ),
    (
        "city-budget-2027",
        "angry reader",
        "angry@example.com",
        "Anyone who voted for this is an idiot and should be thrown out of the chamber.",
        "reject",
    ),
    (
        "heatwave-warning-extended",
        "Priya",
        "priya@example.org",
        "The cooling centre list would be useful as a map. My mother doesn't know the nearest one.",
        "pending",
    ),
    (
        "heatwave-warning-extended",
        "Ed",
        "ed@example.com",
        "Checked on my neighbour this morning after reading this. She was fine but had no fan, so I lent her ours.",
        "approve",
    ),
    (
        "river-library-reopens",
        "Nadia",
        "nadia@example.org",
        "Took my kids on Saturday. The teen room is lovely and the staff were brilliant.",
        "approve",
    ),
    (
        "river-library-reopens",
        "Sam",
        "sam@example.net",
        "Good to see it open again, though the shorter hours mean I still can't get there after work.",
        "pending",
    ),
    # one in each other publisher language (from civility.demo_languages; Kurdish needs native review)
    ("ceasefire-talks-resume", "Karwan", "karwan@example.org", "سوپاس بۆ ئەم هەواڵە گرنگە", "pending"),
    (
        "ceasefire-talks-resume",
        "Berfîn",
        "berfin@example.org",
        "Hêvîdar im ku vê carê agirbest berdewam bike",
        "pending",
    ),
    ("city-budget-2027", "Shirin", "shirin@example.net", "مسئولان پیش از رأی‌گیری به حرف مردم گوش ندادند", "pending"),
    ("heatwave-warning-extended", "Ayşe", "ayse@example.net", "Lütfen yaşlı komşularınızı kontrol edin", "pending"),
)


def load_demo(platform: Platform) -> DemoInfo | None:
    """Fill an EMPTY database with the sample site; returns None (and changes nothing) otherwise."""
    if platform.list_articles(limit=1).items:
        return None
    password = secrets.token_urlsafe(12)
    platform.add_moderator(DEMO_MODERATOR, password, role="admin")
    for article in ARTICLES:
        platform.add_article(article)
    actor = f"moderator:{DEMO_MODERATOR}"
    for i, (article_id, name, email, text, state) in enumerate(COMMENTS):
        result = platform.submit_comment(article_id, name, email, text, ip=None, idempotency_key=f"demo-{i}")
        # Let the machine look first, as in real use, so the queue shows its verdict.
        platform.scorer.score_comment(result.comment_id)
        if state in ("approve", "reject"):
            item = platform.queue_item(result.comment_id)
            if item.comment.status is CommentStatus.PENDING:
                reason = "demo: breaks the community rules" if state == "reject" else None
                rules = (["spam"] if "channel" in text else ["insult"]) if state == "reject" else None
                platform.decide(result.comment_id, state, actor=actor, reason=reason, categories=rules)
    return DemoInfo(
        moderator=DEMO_MODERATOR,
        password=password,
        article_ids=tuple(a.id for a in ARTICLES if a.id),
        comments=len(COMMENTS),
    )
