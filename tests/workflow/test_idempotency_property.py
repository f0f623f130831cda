"""Property: however submissions and retries interleave, each Idempotency-Key yields exactly one
comment, every retry answers with that comment, and a key reused for other text is a conflict."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from civility.errors import Conflict
from civility.storage.schema import comments

# A sequence of (key slot, text slot) submissions: few slots, so retries and reuse happen often.
submissions = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1)), min_size=1, max_size=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=submissions)
def test_one_comment_per_key_whatever_the_order(platform, plan):
    # One platform for all examples of a run; each example has its own article, keys and email.
    from civility.workflow import ArticleIn

    article = platform.add_article(ArticleIn(title="Property", body="B"))
    run = uuid.uuid4().hex[:8]
    email = f"{run}@example.org"
    first_text: dict[int, int] = {}
    ids: dict[int, int] = {}
    for key_slot, text_slot in plan:
        key, text = f"{run}-{key_slot}", f"text {text_slot}"
        try:
            result = platform.submit_comment(article.id, "Ann", email, text, ip=None, idempotency_key=key)
        except Conflict:
            assert first_text[key_slot] != text_slot
            continue
        if key_slot in ids:
            assert (result.comment_id, result.created) == (ids[key_slot], False)
            assert first_text[key_slot] == text_slot
        else:
            assert result.created
            ids[key_slot], first_text[key_slot] = result.comment_id, text_slot
    with platform.db.read() as conn:
        stored = conn.execute(select(func.count()).select_from(comments).where(comments.c.article_id == article.id))
        assert stored.scalar_one() == len(ids)
