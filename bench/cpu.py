"""Where the CPU goes during a bench phase: CPU seconds of each process tree (read from /proc),
so bench/load.py can say which part saturates first (web, worker, PostgreSQL, load generator)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds so far)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        out[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / TICK)
    return out


def snapshot(roots: dict[str, Any], by_name: dict[str, str]) -> dict[str, float]:
    """CPU seconds per group: the trees under ``roots`` (pids, or a callable giving the pids now:
    processes that appear between two snapshots count whole) and every process whose command
    name is a key of ``by_name`` (e.g. ``{"redis-server": "redis"}``)."""
    procs = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    totals: dict[str, float] = {}
    for group, pids in roots.items():
        if group == "loadgen":  # the bench process alone: the servers it started are its children
            totals[group] = sum(procs[p][2] for p in pids if p in procs)
            continue
        stack, seen = list(pids() if callable(pids) else pids), set()
        while stack:
            pid = stack.pop()
            if pid in seen or pid not in procs:
                continue
            seen.add(pid)
            totals[group] = totals.get(group, 0.0) + procs[pid][2]
            stack.extend(children.get(pid, []))
    for _pid, (_, name, cpu) in procs.items():
        if name in by_name:
            totals[by_name[name]] = totals.get(by_name[name], 0.0) + cpu
    # The whole machine (everyone's processes): the rest is other people's work on a shared box.
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    totals["machine"] = (sum(fields[:8]) - fields[3] - fields[4]) / TICK  # all but idle and iowait
    return totals


def used(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Cores used by each group over ``seconds`` (1.0 = one core fully busy)."""
    return {k: round((after.get(k, 0.0) - before.get(k, 0.0)) / seconds, 2) for k in after if seconds > 0}
