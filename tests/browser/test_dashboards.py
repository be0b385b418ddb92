"""A CloudWatch dashboard stored with PutDashboard, drawn by the status page in a real headless Chromium, its metric
widget showing real traffic: requests served by a real Traefik (`up`) to a real backend, counted by Traefik, read
through the same GetMetricData the API answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver

from tests.support.backends import Backend
from tests.support.chrome import console_errors, screenshot, wait_until
from tests.support.clients import Client, cloudwatch, elbv2_client
from tests.support.processes import free_port, start_server
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow

REQUESTS = 40
PAGE_S = 15.0  # the dashboard page reloads itself every 5 s

_WIDGETS = """
return Array.from(document.querySelectorAll("article.widget"), (w) => ({
  title: (w.querySelector("h3") || {innerText: ""}).innerText,
  numbers: Array.from(w.querySelectorAll(".number"), (n) => n.innerText),
  lines: Array.from(w.querySelectorAll("polyline"), (p) => [p.dataset.label, Number(p.dataset.points)]),
  text: (w.querySelector("pre.text, p.note") || {innerText: ""}).innerText,
}));
"""


def widgets(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    return list(driver.execute_script(_WIDGETS))


def served_alb(url: str, backend: Backend) -> tuple[str, int]:
    """A load balancer forwarding a new listener port to ``backend``: (its dimension value, the port)."""
    elbv2 = elbv2_client(url)
    lb = elbv2.create_load_balancer(Name="web", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
    tg = elbv2.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=lb["VpcId"], TargetType="ip")
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.1", "Port": backend.port}])
    port = free_port()
    elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=port,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}])
    return lb["LoadBalancerArn"].split(":loadbalancer/", 1)[1], port


def api_answer(url: str, lb: str) -> list[float]:
    """What GetMetricData answers for the widget's first row, oldest first."""
    end = datetime.now(UTC) + timedelta(minutes=1)
    query = {"Id": "m1", "MetricStat": {"Period": 60, "Stat": "Sum", "Metric": {
        "Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount",
        "Dimensions": [{"Name": "LoadBalancer", "Value": lb}]}}}
    answer = cloudwatch(url).get_metric_data(MetricDataQueries=[query], StartTime=end - timedelta(minutes=30),
                                             EndTime=end, ScanBy="TimestampAscending")
    return list(answer["MetricDataResults"][0]["Values"])


def test_metric_widget_shows_real_traffic(tmp_path: Path, browser: webdriver.Chrome) -> None:
    backend = Backend("app")
    server = start_server(tmp_path, process=True, up=True)
    try:
        lb, port = served_alb(server.url, backend)
        client = Client(port)
        wait_for("the listener to serve", lambda: client.request("/").status == 200, 30, ignore=(OSError,))
        answered = 1 + sum(client.request("/").status == 200 for _ in range(REQUESTS - 1))
        assert answered == REQUESTS
        wait_for("the requests in CloudWatch", lambda: sum(api_answer(server.url, lb)) == REQUESTS, 30)
        body = {"start": "-PT30M", "widgets": [
            {"type": "metric", "x": 0, "y": 0, "width": 16, "height": 6, "properties": {
                "region": "us-east-1", "title": "Requests and 5xx", "stat": "Sum", "period": 60,
                "metrics": [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", lb],
                            [".", "HTTPCode_Target_5XX_Count", "...", {"id": "errors", "visible": False}],
                            [{"expression": "FILL(errors, 0) / m1", "label": "5xx rate", "id": "rate"}]]}},
            {"type": "metric", "x": 16, "y": 0, "width": 8, "height": 6, "properties": {
                "region": "us-east-1", "title": "Requests now", "view": "singleValue", "stat": "Sum", "period": 60,
                "metrics": [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", lb]]}},
            {"type": "text", "x": 0, "y": 6, "width": 24, "height": 2,
             "properties": {"markdown": "Runbook: <b>page the on-call</b>"}},
        ]}
        cloudwatch(server.url).put_dashboard(DashboardName="web-alb", DashboardBody=json.dumps(body))
        values = api_answer(server.url, lb)

        browser.get(server.url + "/ui/")
        browser.find_element("link text", "dashboards").click()
        browser.find_element("link text", "web-alb").click()
        wait_until(browser, PAGE_S, lambda d: len(widgets(d)) == 3)
        lines, number, text = widgets(browser)
        assert lines["title"] == "Requests and 5xx"
        assert lines["lines"] == [["RequestCount", len(values)], ["5xx rate", len(values)]]  # errors: hidden
        assert number["numbers"] == [f"{values[-1]:g}"]  # the latest period, as GetMetricData answers it
        assert text["text"] == "Runbook: <b>page the on-call</b>"  # text, not HTML
        screenshot(browser, "dashboard-real-traffic")
        assert console_errors(browser) == []
    finally:
        server.stop()
        backend.stop()
