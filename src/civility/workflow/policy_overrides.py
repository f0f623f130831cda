"""Publisher policy overrides: site-wide (site_settings) and per-article (articles table), laid
over the engine's default policy (``Policy.for_context``: defaults < site < article)."""

from __future__ import annotations

import json
import logging
from typing import Any

from civility.errors import ValidationError
from civility.moderation.policy import Policy

log = logging.getLogger(__name__)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class PolicyResolver:
    """Builds (and caches by content) the effective policy of one comment's site and article."""

    def __init__(self, moderator: Any):
        self.base = getattr(moderator, "default_policy", None)
        self._cache: dict[tuple[str, str], Any] = {}

    def policy(self, site: dict[str, Any] | None, article: dict[str, Any] | None) -> Any | None:
        """The effective policy, or None for the engine's defaults. Overrides the engine refuses
        are logged and ignored (the defaults apply) so a bad setting never blocks scoring."""
        if self.base is None or not (site or article):
            return None
        key = (_key(site), _key(article))
        if key not in self._cache:
            try:
                self._cache[key] = self.base.for_context(site or None, article or None)
            except ValidationError as exc:
                log.error("policy overrides ignored (%s): %s", exc, exc.fields)
                self._cache[key] = None
        return self._cache[key]


def validate_overrides(overrides: dict[str, Any] | None, *, name: str) -> None:
    """Refuse overrides the engine's Policy would refuse."""
    if not overrides:
        return
    if not isinstance(overrides, dict):
        raise ValidationError({name: "expected an object"})
    Policy.from_thresholds({}).overlay(overrides, name=name)
