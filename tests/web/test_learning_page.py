"""The learning page (admins): 403 for moderators, decisions per rule and language from the audit
log, the active model's bands and the last run, charts as inline SVG with escaped labels; and the
reject form's rules multi-select (a rejection without a rule is a clear error)."""

from __future__ import annotations

import re

from civility.storage.repos import comments as comment_repo
from civility.storage.repos import decisions as decision_repo
from civility.storage.repos import learning as learning_repo
from civility.storage.repos import site as site_repo


def _decided(platform, article, *, text, machine, human=None, lang="en", categories=None):
    cid = platform.submit_comment(article.id, "R", "r@example.org", text, ip=None).comment_id
    with platform.db.write() as conn:
        decision_repo.append(conn, comment_id=cid, decision=machine, actor="machine", scores={})
        if machine != "review":
            comment_repo.transition(
                conn,
                cid,
                to_status="approved" if machine == "approve" else "rejected",
                from_status="pending",
                expected_version=1,
            )
        from sqlalchemy import update

        from civility.storage.schema import comments

        conn.execute(update(comments).where(comments.c.id == cid).values(lang=lang))
    if human:
        version = platform.queue_item(cid).version
        platform.decide(
            cid, human, actor="moderator:mod", categories=categories, expected_version=version, reason="revised"
        )
    return cid


def test_learning_page_is_for_admins_and_charts_the_audit_log(client, platform, article, util):
    util.login(client)  # "mod" is a moderator, not an admin
    assert client.get("/moderate/learning").status_code == 403
    platform.add_moderator("boss", util.password, "admin")
    _decided(platform, article, text="fine", machine="approve")
    _decided(platform, article, text="rude", machine="approve", human="reject", categories=["insult"])
    _decided(platform, article, text="held", machine="review", human="approve", lang="ckb")
    _decided(platform, article, text="spam", machine="review", human="reject", lang="ckb", categories=["spam"])
    with platform.db.write() as conn:
        learning_repo.store(
            conn,
            version=1,
            base_model="m@1",
            decisions_used=321,
            promote=True,
            report={},
            artifact={"bands": {"ckb": {"approve_below": 0.125, "reject": {}, "separate": {}}}},
        )
        site_repo.put(
            conn,
            "learning_last_run",
            {
                "version": 1,
                "decisions": 321,
                "holdout": 64,
                "promoted": True,
                "why": "decides <more> comments",
                "changes": [{"lang": "ckb", "band": "approve", "from": None, "to": 0.125}],
            },
        )
    client.cookies.clear()
    util.login(client, "boss")
    page = client.get("/moderate/learning")
    assert page.status_code == 200
    html = page.text
    assert html.count("<svg") == 3 and ("<polyline" in html or "<circle" in html)
    assert "site@1" in html and "321" in html and "0.125" in html
    assert "decides &lt;more&gt; comments" in html  # escaped
    assert re.search(r"rejected: insult</th><td>\d</td><td>\d</td>", html)
    assert "rejected: spam" in html and "ckb" in html
    assert "cdn" not in html.lower()


def test_the_reject_form_offers_the_rules_and_requires_one(client, platform, article, util):
    cid = platform.submit_comment(article.id, "R", "r@example.org", "You fool", ip=None).comment_id
    util.login(client)
    page = client.get("/moderate").text
    select = re.search(
        r'<select id="rules-%d" name="categories" multiple required.*?</select>' % cid, page, re.S
    ).group(0)
    assert 'value="insult"' in select and 'value="toxic"' not in select  # toxic is the umbrella, not a rule
    form = {
        "decision": "reject",
        "reason": "",
        "expected_version": "",
        "csrf_token": util.form_token(page),
        "back": "/moderate",
    }
    refused = client.post(f"/moderate/comments/{cid}/decision", data=form, follow_redirects=False)
    assert refused.status_code == 422 and "rule" in refused.text
    done = client.post(
        f"/moderate/comments/{cid}/decision", data={**form, "categories": ["insult", "threat"]}, follow_redirects=False
    )
    assert done.status_code == 303
    assert platform.comment_history(cid)[-1].categories == ["insult", "threat"]


def test_the_api_refuses_a_rejection_without_a_rule(client, platform, article, moderator):
    token, _csrf = platform.create_session(moderator.id)
    cid = platform.submit_comment(article.id, "R", "r@example.org", "You fool", ip=None).comment_id
    headers = {"Authorization": f"Bearer {token}"}
    refused = client.post(f"/api/moderation/comments/{cid}/reject", json={"reason": "rude"}, headers=headers)
    assert refused.status_code == 422 and "categories" in refused.text
    ok = client.post(f"/api/moderation/comments/{cid}/reject", json={"categories": ["insult"]}, headers=headers)
    assert ok.status_code == 200 and ok.json()["decision"]["categories"] == ["insult"]
