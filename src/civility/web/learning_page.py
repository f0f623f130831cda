"""The learning page of the moderator dashboard (admins): decisions per category and language,
the current bands, automation and the error of each automatic band over time (from the audit
log), the site model versions and what the last learning run changed, with SVG charts."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from civility import errors
from civility.web.charts import line_chart
from civility.web.deps import find_moderator, get_platform, template_context
from civility.workflow.learning_stats import overview

router = APIRouter(include_in_schema=False)
MAX_LANG_LINES = 5


@router.get("/moderate/learning", response_class=HTMLResponse)
def learning_page(request: Request, days: int = 30) -> Response:
    moderator = find_moderator(request)
    if moderator is None:
        return RedirectResponse("/moderate/login?" + urlencode({"next": "/moderate/learning"}), status_code=303)
    if not moderator.is_admin:
        raise errors.PermissionDenied("The learning page is for admins.")
    days = max(7, min(int(days), 365))
    data = overview(get_platform(request).db, days=days)
    labels = [d.isoformat()[5:] for d in data.days]
    langs = sorted(data.by_lang, key=lambda k: (k != "all", -sum(f.machine for f in data.by_lang[k].values())))
    langs = langs[:MAX_LANG_LINES]

    def series(metric: str) -> dict[str, list[float | None]]:
        return {
            lang: [
                getattr(data.by_lang[lang].get(d), metric, None) if d in data.by_lang[lang] else None for d in data.days
            ]
            for lang in langs
        }

    charts = [
        line_chart("Automation: share of comments decided without a moderator", labels, series("automation")),
        line_chart("Auto-approved, later rejected by a moderator", labels, series("approve_error"), ymax=0.1),
        line_chart("Auto-rejected, later approved by a moderator", labels, series("reject_error"), ymax=0.1),
    ]
    languages = sorted({lang for per in data.decisions.values() for lang in per})
    totals = {
        lang: {
            "machine": sum(f.machine for f in data.by_lang.get(lang, {}).values()),
            "held_then_approved": sum(f.held_then_approved for f in data.by_lang.get(lang, {}).values()),
            "held": sum(f.held for f in data.by_lang.get(lang, {}).values()),
        }
        for lang in sorted(data.by_lang)
    }
    context = template_context(
        request,
        moderator=moderator,
        charts=charts,
        days=days,
        decisions=data.decisions,
        languages=languages,
        active=data.active,
        models=data.models,
        last_run=data.last_run,
        totals=totals,
        bands=(data.active.artifact.get("bands", {}) if data.active is not None else {}),
    )
    return request.app.state.templates.TemplateResponse(request, "learning.html", context)
