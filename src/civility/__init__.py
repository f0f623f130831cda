"""civility: a self-hosted comment system with automatic, explainable pre-moderation.

The flow is visible in the package layout:
submit (``workflow``) -> store (``storage``) -> score (``moderation``) -> policy
(``moderation.policy``) -> review (``workflow``, ``web``) -> publish (``workflow``).
"""

__version__ = "0.1.0"
