"""Ansible, unchanged, against a real server: the playbook in tests/api/ansible/alb.yml, run twice.

The second run must report changed=0: Ansible compares what the describes answer with what the playbook asks
for, so only a faithful echo keeps it quiet. Each module run costs Ansible ~3 s (~100 s in all), hence the marker.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.clients import AWS_ENV, aws_client
from tests.support.processes import BIN, ROOT, start_server

PLAYBOOK = ROOT / "tests" / "api" / "ansible" / "alb.yml"
pytestmark = [pytest.mark.ansible, pytest.mark.slow]


def play(url: str, home: Path) -> dict[str, int]:
    """Run the playbook once (it must succeed); the PLAY RECAP counters for localhost."""
    env = {
        **os.environ,
        **AWS_ENV,
        "AWS_URL": url,  # amazon.aws and community.aws read their endpoint_url from it
        "AWS_REGION": "us-east-1",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_HOME": str(home),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    command = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-e", f"ansible_python_interpreter={BIN / 'python'}"]
    result = subprocess.run([*command, str(PLAYBOOK)], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    recap = re.search(r"^localhost\s*:\s*(.*)$", result.stdout, re.MULTILINE)
    assert recap is not None, result.stdout[-3000:] + result.stderr[-3000:]
    counters = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", recap.group(1))}
    assert result.returncode == 0, result.stdout[-4000:]
    return counters


def test_playbook_converges_and_the_second_run_changes_nothing(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        first = play(server.url, tmp_path)
        second = play(server.url, tmp_path)
        elbv2 = aws_client(server.url, "elbv2")
        lb = elbv2.describe_load_balancers(Names=["ansible-alb"])["LoadBalancers"][0]
        listener = elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"][0]
        rules = {r["Priority"]: r for r in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]}
        groups = elbv2.describe_target_groups(Names=["ansible-blue"])["TargetGroups"]
        attributes = dict(
            (a["Key"], a["Value"])
            for a in elbv2.describe_target_group_attributes(TargetGroupArn=groups[0]["TargetGroupArn"])["Attributes"]
        )
    finally:
        server.stop()
    assert first["changed"] > 0 and first["failed"] == 0
    assert second["changed"] == 0 and second["failed"] == 0
    forward = rules["10"]["Actions"][0]["ForwardConfig"]
    assert [g["Weight"] for g in forward["TargetGroups"]] == [80, 20]
    assert forward["TargetGroupStickinessConfig"] == {"Enabled": True, "DurationSeconds": 300}
    assert rules["20"]["Actions"][0]["RedirectConfig"]["StatusCode"] == "HTTP_301"
    assert rules["30"]["Actions"][0]["FixedResponseConfig"]["StatusCode"] == "418"
    assert attributes["stickiness.enabled"] == "true" and attributes["stickiness.lb_cookie.duration_seconds"] == "3600"
