"""Publisher policy overrides: site-wide (site_settings) overlaid by per-article (articles table),
turned into the engine's Policy when the engine ships one."""

from __future__ import annotations

import importlib
from typing import Any


def merge_overrides(site: dict[str, Any] | None, article: dict[str, Any] | None) -> dict[str, Any] | None:
    """Deep overlay: article keys win over site keys; nested dicts (per-category bands) merge."""
    if not site and not article:
        return None
    out: dict[str, Any] = {}
    for layer in (site or {}, article or {}):
        for key, value in layer.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = {**out[key], **value}
            else:
                out[key] = value
    return out


def build_policy(overrides: dict[str, Any] | None) -> Any | None:
    """The engine's Policy with ``overrides`` applied, or None (the engine's defaults)."""
    if not overrides:
        return None
    try:
        policy_mod = importlib.import_module("civility.moderation.policy")
    except ImportError:
        return None
    Policy = getattr(policy_mod, "Policy", None)
    if Policy is None:
        return None
    for factory in ("from_overrides", "from_dict"):
        if hasattr(Policy, factory):
            return getattr(Policy, factory)(overrides)
    base = Policy.default() if hasattr(Policy, "default") else Policy()
    for method in ("with_overrides", "overlay", "override"):
        if hasattr(base, method):
            return getattr(base, method)(overrides)
    return None
