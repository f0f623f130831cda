"""Admin-only JSON API (role "admin"; a moderator gets 403): the moderator accounts, and the
publisher's moderation policy overrides for the whole site and for one article."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from civility.domain import CATEGORIES
from civility.errors import ValidationError
from civility.web.deps import ModeratorSession, get_platform, require_admin_api, require_json
from civility.web.schemas import ErrorOut

router = APIRouter(prefix="/api/admin", tags=["admin"])

Admin = Annotated[ModeratorSession, Depends(require_admin_api)]
# Who you are is checked before what you sent: an anonymous caller learns nothing about the body.
_ADMIN_JSON = [Depends(require_admin_api), Depends(require_json)]
_ERRORS = {
    401: {"model": ErrorOut, "description": "Not signed in"},
    403: {"model": ErrorOut, "description": "Signed in, but not an admin (or missing X-CSRF-Token)"},
    422: {"model": ErrorOut},
}


class ModeratorOut(BaseModel):
    id: int
    name: str
    role: str
    created_at: datetime


class BandIn(BaseModel):
    """One category's band: auto-approve below ``approve_below``, auto-reject at or above
    ``reject_above``, a person decides in between."""

    model_config = ConfigDict(extra="forbid")

    approve_below: float | None = Field(default=None, ge=0, le=1)
    reject_above: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> "BandIn":
        if self.approve_below is not None and self.reject_above is not None and self.approve_below > self.reject_above:
            raise ValueError("approve_below must not exceed reject_above")
        return self


class PolicyIn(BaseModel):
    """Overrides laid over the model's default policy. ``null`` removes them."""

    model_config = ConfigDict(extra="forbid")

    hold_all: bool | None = Field(default=None, description="hold every comment for a person")
    thresholds: dict[str, BandIn] = Field(default_factory=dict, description="category id -> band")

    def as_overrides(self) -> dict:
        unknown = sorted(set(self.thresholds) - set(CATEGORIES))
        if unknown:
            raise ValidationError({f"thresholds.{c}": "not a category" for c in unknown})
        out: dict = {}
        if self.hold_all is not None:
            out["hold_all"] = self.hold_all
        bands = {c: b.model_dump(exclude_none=True) for c, b in self.thresholds.items()}
        if bands:
            out["thresholds"] = bands
        return out


class PolicyOut(BaseModel):
    overrides: dict | None


@router.get("/moderators", response_model=list[ModeratorOut], responses=_ERRORS, summary="Moderator accounts")
def moderators(request: Request, admin: Admin) -> list[ModeratorOut]:
    return [
        ModeratorOut(id=m.id, name=m.name, role=m.role, created_at=m.created_at)
        for m in get_platform(request).list_moderators()
    ]


@router.get("/policy", response_model=PolicyOut, responses=_ERRORS, summary="Site-wide policy overrides")
def site_policy(request: Request, admin: Admin) -> PolicyOut:
    return PolicyOut(overrides=get_platform(request).site_policy() or None)


@router.put(
    "/policy",
    response_model=PolicyOut,
    responses=_ERRORS,
    dependencies=_ADMIN_JSON,
    summary="Replace the site-wide policy overrides",
)
def set_site_policy(request: Request, policy: PolicyIn | None = None) -> PolicyOut:
    overrides = policy.as_overrides() if policy is not None else None
    get_platform(request).set_site_policy(overrides or None)
    return PolicyOut(overrides=overrides or None)


@router.put(
    "/articles/{article_id}/policy",
    response_model=PolicyOut,
    responses={**_ERRORS, 404: {"model": ErrorOut}},
    dependencies=_ADMIN_JSON,
    summary="Replace one article's policy overrides (laid over the site's)",
)
def set_article_policy(request: Request, article_id: str, policy: PolicyIn | None = None) -> PolicyOut:
    platform = get_platform(request)
    platform.get_article(article_id)  # 404 before anything changes
    overrides = policy.as_overrides() if policy is not None else None
    platform.set_article_policy(article_id, overrides or None)
    return PolicyOut(overrides=overrides or None)
