"""compiler.py (with memo.py and dynamic.py): table-driven over the ALB -> Traefik mapping (DESIGN.md)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from provider.compiler.answers import ANSWERED_SERVICE
from provider.compiler.compile import (
    PLACEHOLDER_SERVICE,
    CompileMemo,
    CompileOptions,
    KeyPair,
    compile_config,
    compile_entries,
    for_port,
    serialize,
)
from provider.elbv2.model import (
    Action,
    ActionType,
    AuthenticateOidc,
    Condition,
    FixedResponse,
    Forward,
    Listener,
    LoadBalancer,
    MutualAuthentication,
    ProtocolName,
    Redirect,
    Rule,
    State,
    TargetGroup,
    TargetGroupTuple,
)
from provider.elbv2.transforms import Rewrite, Transform, TransformType
from tests.support.conditions import HDR, IP, H, M, P, cond, query
from tests.support.models import load_balancer, target_group

T0 = datetime(2025, 1, 1, tzinfo=UTC)
ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012"
OPTS = CompileOptions(fixed_response_url="http://127.0.0.1:8080")


# ---- tiny state builders ------------------------------------------------------------------------------------
def lb(name: str = "web", lb_id: str = "aaaa000000000001", age: int = 0) -> LoadBalancer:
    return load_balancer(name, lb_id=lb_id, subnets=(), attributes=(), created=T0 + timedelta(seconds=age))


def tg(name: str, protocol: ProtocolName = ProtocolName.HTTP, attrs: dict[str, str] | None = None) -> TargetGroup:
    return target_group(name, protocol=protocol, attributes=attrs or {}, created=T0)


def listener(balancer: LoadBalancer, port: int = 80, protocol: ProtocolName = ProtocolName.HTTP) -> Listener:
    return Listener(
        arn=f"{balancer.arn.replace(':loadbalancer/', ':listener/')}/l{port:015d}",
        load_balancer_arn=balancer.arn,
        port=port,
        protocol=protocol,
    )


def rule(li: Listener, priority: int | None, action: Action, *conditions: Condition, rid: str = "") -> Rule:
    rid = rid or ("default" if priority is None else f"r{priority:015d}")
    return Rule(
        arn=li.arn.replace(":listener/", ":listener-rule/") + "/" + rid,
        listener_arn=li.arn,
        priority=priority,
        conditions=conditions,
        actions=(action,),
    )


def fwd(*groups: tuple[TargetGroup, int], sticky: int | None = None) -> Action:
    tuples = tuple(TargetGroupTuple(g.arn, w) for g, w in groups)
    return Action(ActionType.FORWARD, forward=Forward(tuples, sticky is not None, sticky))


def make_state(rules: list[Rule], listeners: list[Listener], tgs: list[TargetGroup], lbs: list[LoadBalancer]) -> State:
    return State(
        load_balancers={b.arn: b for b in lbs},
        target_groups={g.arn: g for g in tgs},
        listeners={li.arn: li for li in listeners},
        rules={r.arn: r for r in rules},
    )


WEB = lb()
L80 = listener(WEB)
L443 = listener(WEB, 443, ProtocolName.HTTPS)
BLUE, GREEN = tg("blue"), tg("green")
SERVERS = {BLUE.arn: [("127.0.0.1", 9001), ("::1", 9002)], GREEN.arn: [("127.0.0.1", 9003)]}


def compile_rules(*rules: Rule, tgs: tuple[TargetGroup, ...] = (BLUE, GREEN), port: int | None = None) -> Any:
    listeners = list({r.listener_arn: li for r in rules for li in (L80, L443) if li.arn == r.listener_arn}.values())
    return compile_config(make_state(list(rules), listeners, list(tgs), [WEB]), SERVERS, OPTS, port=port)


# ---- routers, priorities, services ---------------------------------------------------------------------------
def test_priorities_and_names() -> None:
    cfg = compile_rules(rule(L80, 5, fwd((BLUE, 1)), cond(P, "/a")), rule(L80, None, fwd((GREEN, 1))))
    routers = cfg["http"]["routers"]
    assert routers["web-80-p5-r000000000000005"] == {
        "entryPoints": ["listener80"],
        "observability": {"accessLogs": False},  # the load balancer keeps no access log
        "priority": 99995,
        "rule": 'Path("/a")',
        "service": "tg-blue",
    }
    assert routers["web-80-default-default"]["priority"] == 1
    assert routers["web-80-default-default"]["rule"] == 'PathPrefix("/")'


def test_forward_single_target_group() -> None:
    svc = compile_rules(rule(L80, None, fwd((BLUE, 1))))["http"]["services"]["tg-blue"]
    assert svc == {
        "loadBalancer": {
            "passHostHeader": True,
            "servers": [{"url": "http://127.0.0.1:9001"}, {"url": "http://[::1]:9002"}],
        }
    }


def test_no_routable_servers_gives_empty_load_balancer() -> None:
    empty = tg("empty")
    cfg = compile_rules(rule(L80, None, fwd((empty, 1))), tgs=(empty,))
    assert cfg["http"]["services"]["tg-empty"]["loadBalancer"]["servers"] == []


def test_https_target_group_uses_https_and_skips_verify() -> None:
    secure = tg("secure", ProtocolName.HTTPS)
    cfg = compile_config(
        make_state([rule(L80, None, fwd((secure, 1)))], [L80], [secure], [WEB]),
        {secure.arn: [("127.0.0.1", 8443)]},
        OPTS,
    )
    lb_ = cfg["http"]["services"]["tg-secure"]["loadBalancer"]
    assert lb_["servers"] == [{"url": "https://127.0.0.1:8443"}]
    assert cfg["http"]["serversTransports"][lb_["serversTransport"]] == {"insecureSkipVerify": True}


@pytest.mark.parametrize(
    ("weights", "children"),
    [
        pytest.param((95, 5), [("tg-blue", 95), ("tg-green", 5)], id="95-5"),
        pytest.param((100, 0), [("tg-blue", 100), ("tg-green", 0)], id="weight-0-kept-as-0"),
        pytest.param((0, 0), [("tg-blue", 0), ("tg-green", 0)], id="all-0-answers-503"),
    ],
)
def test_weighted_forward(weights: tuple[int, int], children: list[tuple[str, int]]) -> None:
    cfg = compile_rules(rule(L80, 1, fwd((BLUE, weights[0]), (GREEN, weights[1])), cond(P, "/w")))
    router = cfg["http"]["routers"]["web-80-p1-r000000000000001"]
    weighted = cfg["http"]["services"][router["service"]]["weighted"]
    assert [(c["name"], c["weight"]) for c in weighted["services"]] == children
    assert "sticky" not in weighted


@pytest.mark.parametrize(
    ("li", "secure"),
    [pytest.param(L80, False, id="http-not-secure"), pytest.param(L443, True, id="https-secure")],
)
def test_group_stickiness_cookie(li: Listener, secure: bool) -> None:
    cfg = compile_rules(rule(li, None, fwd((BLUE, 1), (GREEN, 1), sticky=3600)))
    router = next(iter(cfg["http"]["routers"].values()))
    assert ("tls" in router) is secure
    assert cfg["http"]["services"][router["service"]]["weighted"]["sticky"] == {
        "cookie": {"name": "AWSALBTG", "maxAge": 3600, "httpOnly": True, "secure": secure, "path": "/"}
    }


@pytest.mark.parametrize(
    ("attrs", "li", "service", "cookie"),
    [
        pytest.param(
            {"stickiness.enabled": "true", "stickiness.lb_cookie.duration_seconds": "60"},
            L80,
            "tg-s",
            {"name": "AWSALB", "maxAge": 60, "httpOnly": True, "secure": False, "path": "/"},
            id="lb-cookie",
        ),
        pytest.param(
            {"stickiness.enabled": "true"},
            L443,
            "tg-s-tls",
            {"name": "AWSALB", "maxAge": 86400, "httpOnly": True, "secure": True, "path": "/"},
            id="lb-cookie-https-variant",
        ),
        pytest.param(
            {
                "stickiness.enabled": "true",
                "stickiness.type": "app_cookie",
                "stickiness.app_cookie.duration_seconds": "30",
            },
            L80,
            "tg-s",
            {"name": "AWSALBAPP", "maxAge": 30, "httpOnly": True, "secure": False, "path": "/"},
            id="app-cookie-approximation",
        ),
        pytest.param({"stickiness.enabled": "false"}, L80, "tg-s", None, id="disabled"),
    ],
)
def test_target_group_stickiness(attrs: dict[str, str], li: Listener, service: str, cookie: Any) -> None:
    sticky_tg = tg("s", attrs=attrs)
    cfg = compile_rules(rule(li, None, fwd((sticky_tg, 1))), tgs=(sticky_tg,))
    lb_ = cfg["http"]["services"][service]["loadBalancer"]
    assert lb_.get("sticky", {}).get("cookie") == cookie


# ---- redirect, fixed response --------------------------------------------------------------------------------
def test_redirect_router() -> None:
    action = Action(ActionType.REDIRECT, redirect=Redirect("HTTP_301", protocol="HTTPS", port="443"))
    state = make_state([rule(L80, None, action)], [L80], [], [WEB])
    cfg = compile_config(state, {}, OPTS)
    router = cfg["http"]["routers"]["web-80-default-default"]
    assert router["service"] == ANSWERED_SERVICE
    answer = cfg["http"]["middlewares"][router["middlewares"][0]]["plugin"]["alb"]["redirect"]
    assert (answer["statusCode"], answer["protocol"], answer["port"]) == (301, "HTTPS", "443")
    assert (answer["listenerProtocol"], answer["listenerPort"]) == ("HTTP", "80")


def test_fixed_response() -> None:
    action = Action(ActionType.FIXED_RESPONSE, fixed_response=FixedResponse("418", "text/plain", "teapot"))
    state = make_state([rule(L80, 3, action, cond(P, "/tea"), rid="fixedid")], [L80], [], [WEB])
    cfg = compile_config(state, {}, OPTS)
    router = cfg["http"]["routers"]["web-80-p3-fixedid"]
    answer = {"fixed": {"statusCode": 418, "contentType": "text/plain", "body": "teapot"}}
    assert cfg["http"]["middlewares"][router["middlewares"][0]] == {"plugin": {"alb": answer}}
    assert router["service"] == ANSWERED_SERVICE


# ---- whole config: determinism, split, empty, two LBs --------------------------------------------------------
def test_deterministic_bytes() -> None:
    rules = [rule(L80, p, fwd((BLUE, p), (GREEN, 1)), cond(P, f"/{p}/*")) for p in range(1, 30)]
    a = serialize(compile_rules(*rules))
    b = serialize(compile_rules(*reversed(rules)))
    assert a == b
    assert json.loads(a) == compile_rules(*rules)


@pytest.mark.parametrize(
    "state",
    [pytest.param(State(), id="empty"), pytest.param(make_state([], [L80], [BLUE], [WEB]), id="listener-no-rules")],
)
def test_nothing_to_route_is_still_complete(state: State) -> None:
    cfg = compile_config(state, {}, OPTS)
    assert cfg == {
        "http": {
            "services": {
                PLACEHOLDER_SERVICE: {
                    "loadBalancer": {"passHostHeader": True, "servers": [{"url": OPTS.fixed_response_url}]}
                }
            }
        }
    }


def test_per_port_split() -> None:
    sticky_tg = tg("s", attrs={"stickiness.enabled": "true"})
    rules = [
        rule(L80, 1, fwd((BLUE, 1), (GREEN, 1)), cond(P, "/x")),
        rule(L80, None, fwd((BLUE, 1))),
        rule(L443, None, fwd((sticky_tg, 1))),
    ]
    whole = compile_rules(*rules, tgs=(BLUE, GREEN, sticky_tg))
    p80 = for_port(whole, 80)
    assert set(p80["http"]["routers"]) == {"web-80-p1-r000000000000001", "web-80-default-default"}
    assert set(p80["http"]["services"]) == {"rule-r000000000000001", "tg-blue", "tg-green", PLACEHOLDER_SERVICE}
    assert p80 == compile_rules(*rules, tgs=(BLUE, GREEN, sticky_tg), port=80)
    assert set(for_port(whole, 443)["http"]["services"]) == {"tg-s-tls", PLACEHOLDER_SERVICE}
    assert for_port(whole, 8080) == {
        "http": {"services": {PLACEHOLDER_SERVICE: whole["http"]["services"][PLACEHOLDER_SERVICE]}}
    }


def test_two_load_balancers_on_one_port() -> None:
    old, new = lb("old", "aaaa000000000001", age=0), lb("new", "bbbb000000000002", age=10)
    l_old, l_new = listener(old), listener(new)
    state = make_state(
        [
            rule(l_old, None, fwd((BLUE, 1))),
            rule(l_new, None, fwd((GREEN, 1))),
            rule(l_new, 7, fwd((GREEN, 1)), cond(P, "/n")),
        ],
        [l_old, l_new],
        [BLUE, GREEN],
        [new, old],
    )
    routers = compile_config(state, SERVERS, OPTS)["http"]["routers"]
    host = '(Host("new-1.us-east-1.elb.amazonaws.com") || Host("new.localhost"))'
    assert routers["old-80-default-default"] == {
        "entryPoints": ["listener80"],
        "observability": {"accessLogs": False},
        "priority": 1,
        "rule": 'PathPrefix("/")',
        "service": "tg-blue",
    }
    assert routers["new-80-default-default"]["rule"] == f'PathPrefix("/") && {host}'
    assert routers["new-80-default-default"]["priority"] == 200001
    assert routers["new-80-p7-r000000000000007"]["priority"] == 299993


# ---- rendering and memo: fast paths must give exactly the canonical bytes ----------------------------------------
def _rich_state(weight: int = 5) -> State:
    """Every feature at once: weighted + sticky on HTTP and HTTPS, TG stickiness, HTTPS targets, fixed response,
    redirect, a missing target group, a never-matching rule, hostile values, two LBs on one port."""
    old, new = lb("old", "aaaa000000000001", age=0), lb("new", "bbbb000000000002", age=10)
    l_old, l_new, l443 = listener(old), listener(new), listener(new, 443, ProtocolName.HTTPS)
    sticky_tg, secure_tg = tg("s", attrs={"stickiness.enabled": "true"}), tg("sec", ProtocolName.HTTPS)
    missing = tg("missing")
    fixed = Action(ActionType.FIXED_RESPONSE, fixed_response=FixedResponse("404", "text/plain", "no"))
    redirect = Action(ActionType.REDIRECT, redirect=Redirect("HTTP_302", host="x.example"))
    rules = [
        rule(l_old, 1, fwd((BLUE, 100 - weight), (GREEN, weight)), cond(P, '/a"`é*'), cond(H, "*.Example.com")),
        rule(l_old, 2, fwd((sticky_tg, 1), (secure_tg, 1), sticky=60), query(("Id", "v*"))),
        rule(l_old, 3, fwd((missing, 1)), cond(HDR, "x\\y", header="X-H")),
        rule(l_old, 4, fwd((BLUE, 1)), query((None, "never"))),
        rule(l_old, None, fixed),
        rule(l_new, 7, redirect, cond(M, "POST")),
        rule(l_new, None, fwd((sticky_tg, 1)), rid="newdefault"),
        rule(l443, 1, fwd((sticky_tg, 1), (GREEN, 3), sticky=30), cond(IP, "10.0.0.0/8"), rid="tls1"),
        rule(l443, None, fwd((secure_tg, 1)), rid="tlsdefault"),
    ]
    return make_state(rules, [l_old, l_new, l443], [BLUE, GREEN, sticky_tg, secure_tg], [new, old])


def test_render_is_canonical_and_ports_match_for_port() -> None:
    servers = {**SERVERS, tg("sec", ProtocolName.HTTPS).arn: [("127.0.0.1", 8443)]}
    plan = compile_entries(_rich_state(), servers, OPTS)
    whole = plan.render()
    assert whole == serialize(json.loads(whole))
    for port in (80, 443, 8080):
        assert plan.render(port) == serialize(for_port(json.loads(whole), port)), port


def _mutations() -> list[Any]:
    from dataclasses import replace

    base = _rich_state()
    sticky_off = {
        arn: replace(g, attributes=()) if g.name == "s" else g for arn, g in base.target_groups.items()
    }  # tg-s-tls becomes tg-s on the HTTPS listener: rules there must be rebuilt although they did not change
    listener_to_https = {
        arn: replace(li, protocol=ProtocolName.HTTPS) if li.port == 80 and "/old/" in arn else li
        for arn, li in base.listeners.items()
    }
    renamed_lb = {arn: replace(b, name="older") if b.name == "old" else b for arn, b in base.load_balancers.items()}
    chain_renamed = {
        arn: replace(li, mutual_authentication=MutualAuthentication("passthrough"),
                     attributes=(("routing.http.request.x_amzn_mtls_clientcert.header_name", "X-Chain"),))
        if li.port == 443 else li for arn, li in base.listeners.items()
    }  # every rule of the listener gets the plugin's mtls options, under the listener's name for the header
    return [
        pytest.param(_rich_state(50), SERVERS, id="one-rule-changed"),
        pytest.param(base, {**SERVERS, BLUE.arn: [("127.0.0.1", 9999)]}, id="servers-changed"),
        pytest.param(replace(base, target_groups=sticky_off), SERVERS, id="tg-stickiness-changed"),
        pytest.param(replace(base, listeners=listener_to_https), SERVERS, id="listener-protocol-changed"),
        pytest.param(replace(base, load_balancers=renamed_lb), SERVERS, id="lb-renamed"),
        pytest.param(replace(base, listeners=chain_renamed), SERVERS, id="mtls-header-renamed"),
    ]


@pytest.mark.parametrize(("after", "servers"), _mutations())
def test_memo_gives_what_a_fresh_compile_gives(after: State, servers: dict[str, Any]) -> None:
    memo = CompileMemo()
    compile_entries(_rich_state(), SERVERS, OPTS, memo)
    assert memo.listeners and memo.tgs
    recompiled = compile_entries(after, servers, OPTS, memo).render()
    assert recompiled == compile_entries(after, servers, OPTS).render()
    assert recompiled != compile_entries(_rich_state(), SERVERS, OPTS).render()


# ---- issue 10: transforms, listener headers, algorithms, slow-start weights ------------------------------------
def test_transforms_go_to_the_rule_plugin_with_go_captures() -> None:
    transforms = (
        Transform(TransformType.URL_REWRITE, (Rewrite("^/dp/(\\w+)$", "/p?id=$1x"),)),
        Transform(TransformType.HOST_HEADER_REWRITE, (Rewrite("^(.*)$", "in.$1"),)),
    )
    r = replace(rule(L80, 5, fwd((BLUE, 1)), cond(P, "/dp/*")), transforms=transforms)
    cfg = compile_rules(r)
    router = cfg["http"]["routers"]["web-80-p5-r000000000000005"]
    assert router["service"] == "tg-blue"
    options = cfg["http"]["middlewares"][router["middlewares"][0]]["plugin"]["alb"]
    assert options == {
        "urlRewrites": [{"regex": "^/dp/(\\w+)$", "replace": "/p?id=${1}x"}],
        "hostRewrites": [{"regex": "^(.*)$", "replace": "in.${1}"}],
    }


def test_listener_headers_come_first_on_every_router_of_the_listener() -> None:
    attrs = (
        ("routing.http.response.server.enabled", "false"),
        ("routing.http.response.x_frame_options.header_value", "DENY"),
    )
    li = replace(L80, attributes=attrs)
    teapot = Action(ActionType.FIXED_RESPONSE, fixed_response=FixedResponse("418", "text/plain", "teapot"))
    rules = [rule(li, 1, teapot, cond(P, "/t")), rule(li, None, fwd((BLUE, 1)))]
    cfg = compile_config(make_state(rules, [li], [BLUE], [WEB]), SERVERS, OPTS)
    routers = cfg["http"]["routers"]
    assert [r["middlewares"][0] for r in routers.values()] == ["web-80-headers", "web-80-headers"]
    assert routers["web-80-p1-r000000000000001"]["middlewares"][1] == "alb-r000000000000001"
    headers = cfg["http"]["middlewares"]["web-80-headers"]["headers"]["customResponseHeaders"]
    assert headers == {"X-Frame-Options": "DENY", "Server": ""}


@pytest.mark.parametrize(
    ("algorithm", "strategy"),
    [
        pytest.param("round_robin", None, id="round-robin"),
        pytest.param("least_outstanding_requests", "p2c", id="lor-p2c"),
        pytest.param("weighted_random", None, id="weighted-random-wrr"),
    ],
)
def test_algorithm_strategy(algorithm: str, strategy: str | None) -> None:
    group = tg("blue", attrs={"load_balancing.algorithm.type": algorithm})
    cfg = compile_rules(rule(L80, None, fwd((group, 1))), tgs=(group,))
    assert cfg["http"]["services"]["tg-blue"]["loadBalancer"].get("strategy") == strategy


def test_slow_start_weights_only_while_ramping() -> None:
    state = make_state([rule(L80, None, fwd((BLUE, 1)))], [L80], [BLUE], [WEB])
    ramp = {BLUE.arn: {("127.0.0.1", 9001): 3, ("::1", 9002): 10}}
    ramping = compile_entries(state, SERVERS, OPTS, weights=ramp).render()
    servers = json.loads(ramping)["http"]["services"]["tg-blue"]["loadBalancer"]["servers"]
    assert [s.get("weight") for s in servers] == [3, 10]
    plain = json.loads(compile_entries(state, SERVERS, OPTS).render())["http"]["services"]["tg-blue"]
    assert all("weight" not in s for s in plain["loadBalancer"]["servers"])


def test_only_load_balancers_with_access_logs_log_their_requests() -> None:
    logged = dataclasses.replace(WEB, attributes=(("access_logs.s3.enabled", "true"), ("access_logs.s3.bucket", "b")))
    state = make_state([rule(L80, None, fwd((BLUE, 1)))], [L80], [BLUE], [logged])
    [router] = compile_config(state, SERVERS, OPTS)["http"]["routers"].values()
    assert "observability" not in router  # Traefik's default: logged


# ---- issue 19: the signing keys' host name on every listener port while a rule signs users in ----------------------
KEYS_HOST = 'Host("public-keys.auth.elb.us-east-1.amazonaws.com")'
PAIR = KeyPair("-----BEGIN CERTIFICATE-----keys", "-----BEGIN PRIVATE KEY-----keys")
IDP = "https://idp.example.com"
SIGN_IN = Action(ActionType.AUTHENTICATE_OIDC, 1, authenticate_oidc=AuthenticateOidc(
    IDP, f"{IDP}/auth", f"{IDP}/token", f"{IDP}/userinfo", "app", "secret"))


def _signing_state(signs_in: bool) -> State:
    first = replace(fwd((BLUE, 1)), order=2)
    https_default = replace(rule(L443, None, first), actions=(SIGN_IN, first) if signs_in else (first,))
    return make_state([rule(L80, None, fwd((GREEN, 1))), https_default], [L80, L443], [BLUE, GREEN], [WEB])


@pytest.mark.parametrize(
    ("signs_in", "pairs", "routers"),
    [
        pytest.param(False, {"us-east-1": PAIR}, {}, id="no-sign-in"),
        pytest.param(True, {"us-east-1": PAIR}, {"elbv2-public-keys-80": False, "elbv2-public-keys-443": True},
                     id="http-and-https"),
        pytest.param(True, {}, {"elbv2-public-keys-80": False}, id="no-certificate-http-only"),
    ],
)
def test_listener_ports_answer_the_signing_keys_host(signs_in: bool, pairs: dict[str, KeyPair],
                                                     routers: dict[str, bool]) -> None:
    plan = compile_entries(_signing_state(signs_in), SERVERS, OPTS, public_keys=pairs)
    whole = json.loads(plan.render())
    found = {n: r for n, r in whole["http"]["routers"].items() if n.startswith("elbv2-public-keys-")}
    assert {n: "tls" in r for n, r in found.items()} == routers
    for router in found.values():
        assert (router["rule"], router["service"]) == (KEYS_HOST, "elbv2-signin")
        assert router["priority"] > whole["http"]["routers"]["web-443-idpresponse"]["priority"]
    certificates = json.loads(plan.render(443))["tls"].get("certificates", [])
    assert (PAIR.traefik() in certificates) == ("elbv2-public-keys-443" in routers)
    for port in (80, 443):
        assert plan.render(port) == serialize(for_port(whole, port)), port
