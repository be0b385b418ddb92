"""The copy-paste canary that `elbv2-provider up` prints at start-up; README.md shows the same text (a test
keeps the two identical, and tests/e2e/test_readme.py runs it against a real Traefik)."""

from __future__ import annotations

CANARY = r"""export PATH="$PWD/.venv/bin:$PATH" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
EP=${EP:-http://localhost:8080}; PORT=${PORT:-8000}

# two backends that say which version answered
mkdir -p /tmp/elbv2-demo/v1/app /tmp/elbv2-demo/v2/app
echo v1 > /tmp/elbv2-demo/v1/app/index.html; echo v2 > /tmp/elbv2-demo/v2/app/index.html
python3 -m http.server 9001 -b 127.0.0.1 -d /tmp/elbv2-demo/v1 >/dev/null 2>&1 &
python3 -m http.server 9002 -b 127.0.0.1 -d /tmp/elbv2-demo/v2 >/dev/null 2>&1 &

LB=$(aws elbv2 create-load-balancer --name demo --subnets subnet-a subnet-b --endpoint-url $EP \
  --query 'LoadBalancers[0].LoadBalancerArn' --output text)
STABLE=$(aws elbv2 create-target-group --name stable --protocol HTTP --port 9001 --target-type ip \
  --vpc-id vpc-local --endpoint-url $EP --query 'TargetGroups[0].TargetGroupArn' --output text)
CANARY=$(aws elbv2 create-target-group --name canary --protocol HTTP --port 9002 --target-type ip \
  --vpc-id vpc-local --endpoint-url $EP --query 'TargetGroups[0].TargetGroupArn' --output text)
aws elbv2 register-targets --target-group-arn $STABLE --targets Id=127.0.0.1 --endpoint-url $EP
aws elbv2 register-targets --target-group-arn $CANARY --targets Id=127.0.0.1 --endpoint-url $EP
LISTENER=$(aws elbv2 create-listener --load-balancer-arn $LB --protocol HTTP --port $PORT \
  --default-actions Type=forward,TargetGroupArn=$STABLE --endpoint-url $EP \
  --query 'Listeners[0].ListenerArn' --output text)
RULE=$(aws elbv2 create-rule --listener-arn $LISTENER --priority 10 \
  --conditions Field=path-pattern,Values='/app/*' \
  --actions "Type=forward,ForwardConfig={TargetGroups=[{TargetGroupArn=$STABLE,Weight=95},{TargetGroupArn=$CANARY,Weight=5}]}" \
  --endpoint-url $EP --query 'Rules[0].RuleArn' --output text)
sleep 2   # a new listener port serves within about 2 s

for i in $(seq 100); do curl -s localhost:$PORT/app/; done | sort | uniq -c     # 95 v1, 5 v2

# progressive rollout: the next split reaches live traffic in about 0.2 s
aws elbv2 modify-rule --rule-arn $RULE --endpoint-url $EP \
  --actions "Type=forward,ForwardConfig={TargetGroups=[{TargetGroupArn=$STABLE,Weight=50},{TargetGroupArn=$CANARY,Weight=50}]}"
sleep 1
for i in $(seq 100); do curl -s localhost:$PORT/app/; done | sort | uniq -c     # 50 v1, 50 v2
"""


def banner(endpoint: str) -> str:
    """What `up` prints once it serves: the canary, pointed at this server's endpoint."""
    script = CANARY.replace("EP=${EP:-http://localhost:8080}", f"EP=${{EP:-{endpoint}}}", 1)
    return "A canary in one minute (paste into another shell):\n\n" + script
