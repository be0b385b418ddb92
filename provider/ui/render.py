"""The page as HTML, rendered on the server; every value is escaped.

The body is a flat list of blocks (the rollouts, a load balancer's header and charts, each listener, its target
groups), each with an id and a digest of its HTML. The browser polls ``body?have=<digests>`` and gets a stub for
every block it already has, so an unchanged block keeps its DOM (and whether it is open).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from html import escape
from importlib import resources

from provider.rollout.model import Status
from provider.ui.rollouts import GateRow, RolloutView
from provider.ui.view import GroupView, ListenerView, LoadBalancerView, Page, RuleRow, Split

# Every page of the UI (and the metrics process's dashboards) is sent with these.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; connect-src 'self'; "
    "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
}
OPEN_RULES = 50  # listeners with more rules start collapsed, so a page of 1000 rules paints at once

_CSS = resources.files("provider.ui").joinpath("static/page.css").read_text()

_HEAD = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>elbv2-provider: status</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>{_CSS}</style><script src="app.js" defer></script></head>
<body><header><h1>Load balancers</h1><a href="dashboards/">dashboards</a>
<span id="live">live, refreshed every second</span></header>
<main id="page">"""
_TAIL = "</main></body></html>\n"


def page_html(page: Page) -> str:
    return _HEAD + body_html(page) + _TAIL


def body_html(page: Page, have: frozenset[str] = frozenset()) -> str:
    """The blocks; those whose digest is in ``have`` as empty stubs the browser keeps its copy for."""
    out = []
    for block_id, tag, attrs, inner in _blocks(page):
        digest = hashlib.blake2b(f"{block_id}{attrs}{inner}".encode(), digest_size=8).hexdigest()
        if digest in have:
            out.append(f'<{tag} id="{block_id}" data-digest="{digest}" data-keep></{tag}>')
        else:
            out.append(f'<{tag} id="{block_id}" data-digest="{digest}"{attrs}>{inner}</{tag}>')
    return "".join(out)


Block = tuple[str, str, str, str]  # (id, tag, attributes, inner HTML)


def _blocks(page: Page) -> Iterator[Block]:
    if page.rollouts:
        yield "rollouts", "section", ' class="rollouts"', _rollouts(page.rollouts)
    if not page.load_balancers:
        yield "empty", "p", ' class="empty"', "No load balancers yet: <code>aws elbv2 create-load-balancer</code>."
    for lb in page.load_balancers:
        yield f"lb-{lb.id}", "section", ' class="lb"', _load_balancer(lb, page)
        for listener in lb.listeners:
            opened = " open" if len(listener.rules) <= OPEN_RULES else ""
            yield f"ls-{listener.id}", "details", f' class="listener"{opened}', _listener(listener)
        if lb.groups:
            summary = f"<summary>Target groups of {escape(lb.name)} ({len(lb.groups)})</summary>"
            yield f"tgs-{lb.id}", "details", ' class="groups" open', summary + "".join(map(_group, lb.groups))
    if page.idle_groups:
        summary = f"<summary>Target groups no load balancer forwards to ({len(page.idle_groups)})</summary>"
        yield "tgs-idle", "details", ' class="groups"', summary + "".join(map(_group, page.idle_groups))


def _load_balancer(lb: LoadBalancerView, page: Page) -> str:
    requests, errors = lb.series.requests, lb.series.errors
    total, failed = sum(requests), sum(errors)
    peak = f"peak {max(requests, default=0) / page.bucket_s:g} in {page.window_s} s"
    share = f"{100 * failed / total:.1f}% of {total}" if total else "no requests"
    return (
        f'<h2>{escape(lb.name)}</h2><p class="dns">{escape(lb.dns_name)} &middot; {escape(lb.scheme)}</p>'
        '<div class="charts">'
        + _chart("requests/s", requests, page.bucket_s, peak, "rate")
        + _chart("5xx/s", errors, page.bucket_s, f"{share} in {page.window_s} s", "errors")
        + "</div>"
    )


def _chart(title: str, counts: tuple[int, ...], bucket_s: int, note: str, kind: str) -> str:
    """A sparkline of one series as inline SVG: x is time (oldest left), y the count per second."""
    width, height = 240, 40
    top = max(max(counts, default=0), 1)
    step = width / max(len(counts) - 1, 1)
    points = " ".join(f"{i * step:.1f},{height - height * c / top:.1f}" for i, c in enumerate(counts))
    now = counts[-1] / bucket_s if counts else 0
    label = f"{title}: {now:g} now, peak {top / bucket_s:g}"
    return (
        f'<figure class="chart {kind}"><figcaption>{title} <b>{now:g}</b> <small>{escape(note)}</small></figcaption>'
        f'<svg viewBox="0 0 {width} {height}" preserveAspectRatio="none" role="img" aria-label="{label}">'
        f'<polyline points="{points}"/></svg></figure>'
    )


def _listener(listener: ListenerView) -> str:
    n = len(listener.rules)
    collapsed = "" if n <= OPEN_RULES else ", collapsed"
    return (
        f"<summary>Listener {escape(listener.protocol)} :{listener.port} "
        f"<small>({n} rule{'s' if n != 1 else ''}{collapsed})</small></summary>"
        "<table><thead><tr><th>Priority</th><th>When</th><th>Then</th><th>Target group</th><th>Weight</th>"
        "<th>Configured</th><th>Observed (1 min)</th><th>Requests</th></tr></thead><tbody>"
        + "".join(map(_rule, listener.rules))
        + "</tbody></table>"
    )


def _rule(rule: RuleRow) -> str:
    span = max(len(rule.splits), 1)
    head = (
        f'<td rowspan="{span}" class="prio">{rule.priority}</td>'
        f'<td rowspan="{span}">{escape(rule.conditions)}</td>'
        f'<td rowspan="{span}">{escape("; ".join(rule.actions))}</td>'
    )
    if not rule.splits:
        return f'<tr id="rule-{rule.id}" class="rule">{head}<td colspan="5" class="none">-</td></tr>'
    rows = [f'<tr id="rule-{rule.id}" class="rule">{head}{_split(rule.splits[0])}</tr>']
    rows += [f'<tr class="rule-more">{_split(s)}</tr>' for s in rule.splits[1:]]
    return "".join(rows)


def _pct(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0") + "%"


def _split(split: Split) -> str:
    observed = "-" if split.observed_pct is None else _pct(split.observed_pct)
    bar = 0.0 if split.observed_pct is None else split.observed_pct
    return (
        f'<td class="tg">{escape(split.group)}</td><td class="num">{split.weight}</td>'
        f'<td class="num configured"><span class="bar cfg" style="width:{split.configured_pct:.1f}%"></span>'
        f"{_pct(split.configured_pct)}</td>"
        f'<td class="num observed"><span class="bar obs" style="width:{bar:.1f}%"></span>{observed}</td>'
        f'<td class="num">{split.requests}</td>'
    )


def _group(group: GroupView) -> str:
    rows = "".join(
        f'<tr class="target {escape(t.status.state)}"><td>{escape(t.id)}</td><td class="num">{t.port}</td>'
        f'<td class="state">{escape(t.status.state)}</td><td class="reason">{escape(t.status.reason or "")}</td>'
        f"<td>{escape(t.status.description or '')}</td></tr>"
        for t in group.targets
    )
    body = rows or '<tr><td colspan="5" class="none">no registered targets</td></tr>'
    return (
        f'<div class="group" id="tg-{group.id}"><h3>{escape(group.name)} '
        f"<small>{escape(group.protocol)}:{group.port} &middot; health check {escape(group.health_check)}</small></h3>"
        "<table><thead><tr><th>Target</th><th>Port</th><th>State</th><th>Reason</th><th>Description</th></tr>"
        f"</thead><tbody>{body}</tbody></table></div>"
    )


def _rollouts(rollouts: tuple[RolloutView, ...]) -> str:
    running = sum(r.status is Status.RUNNING for r in rollouts)
    head = f"<h2>Rollouts <small>{running} running, {len(rollouts) - running} finished</small></h2>"
    return head + "".join(map(_rollout, rollouts))


def _rollout(r: RolloutView) -> str:
    """One rollout as a card: where, which step with its weights, time left, then its gates."""
    steps = "".join(
        f'<li class="{"done" if i < r.step else "now" if i == r.step else "next"}">{p}%</li>'
        for i, p in enumerate(r.steps)
    )
    where = f"step {r.step + 1} of {len(r.steps)}" if r.step >= 0 else "not started"
    left = ""
    if r.left_s is not None:  # 0: the interval is over and the step waits for enough requests
        left = f" &middot; {r.left_s:.0f} s left in step" if r.left_s else " &middot; waiting for requests"
    reason = f'<p class="reason">{escape(r.reason)}</p>' if r.reason else ""
    return (
        f'<article class="rollout {escape(r.status)}" data-rollout="{escape(r.id)}">'
        f'<h3><span class="status">{escape(r.status)}</span> {escape(r.target)} '
        f"<small>{escape(r.canary)} over {escape(r.stable)} &middot; {escape(r.id)}</small></h3>"
        f'<p class="progress">{where}: canary <b>{r.canary_weight}</b> / stable <b>{r.stable_weight}</b>{left}</p>'
        f'<ol class="steps">{steps}</ol>'
        "<table><thead><tr><th>Gate</th><th>Threshold</th><th>Last measured</th></tr></thead><tbody>"
        + "".join(map(_gate, r.gates))
        + f"</tbody></table>{reason}</article>"
    )


def _gate(g: GateRow) -> str:
    return (
        f'<tr class="gate {g.state}"><td>{escape(g.name)}</td><td class="num">{escape(g.threshold)}</td>'
        f'<td class="num measured">{escape(g.measured)}</td></tr>'
    )
