"""The compiler's memo: the texts of the last compile, so a recompile after one API change redoes one rule's work.

An explicit object: the config endpoint owns one and hands it to every compile (``compile_entries(..., memo)``);
a compile without one starts from nothing. Either way the output is a pure function of the input: an entry is
used only for the very object it came from, and only while its context (the other inputs) is equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from provider.elbv2.model import Listener, Rule, TargetGroup


class TgText(NamedTuple):
    tg: TargetGroup  # holds the object, so its id() cannot be reused while this entry lives
    context: tuple[object, ...]  # everything else the text depends on
    name: str
    text: str
    https: bool


class RuleText(NamedTuple):
    """One container per rule, strings inside: each tracked container allocated brings the garbage collector's
    next pass closer (a full pass over a server's heap costs ~25 ms), so none are nested here."""

    rule: Rule
    children: str  # its target groups' service names, space-separated; the rest of its context is the listener's
    name: str  # its router's name; "" when the rule can never match (it routes nothing)
    router: str
    extra_name: str  # the rule's own weighted service, if any: its name
    extra: str  # and text
    middleware_name: str  # the rule's own ``alb`` plugin middleware (answer, transforms), if any: its name
    middleware: str  # and text


class ListenerText(NamedTuple):
    listener: Listener
    context: tuple[object, ...]  # its rules in order, LB name, qualifier, the target groups (for service names)
    texts: dict[str, dict[str, str]]  # routers, and the rules' own services and middlewares
    target_groups: tuple[tuple[str, bool], ...]  # (arn, secure) of the target group services its routers use
    rules: dict[int, RuleText]  # per rule, for the next compile when one of them changes
    signs_in: bool  # a rule signs users in (authenticate-oidc or -cognito)


@dataclass
class CompileMemo:
    """Texts from the last compile, keyed by id() of the immutable object they came from (hashing a frozen
    dataclass walks all its fields; id() is free). A compile reads the last generation and ``keep``s a new one:
    only what the current state uses is kept, and racing compiles only lose hits."""

    tgs: dict[tuple[int, bool], TgText] = field(default_factory=dict)
    listeners: dict[str, ListenerText] = field(default_factory=dict)  # by ARN: a modified listener finds its rules

    def keep(self, tgs: dict[tuple[int, bool], TgText], listeners: dict[str, ListenerText]) -> None:
        self.tgs, self.listeners = tgs, listeners
