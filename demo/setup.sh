#!/usr/bin/env bash
# The canary demo, with the aws CLI: a load balancer, target groups v1 and v2 (ip targets), a listener,
# and a rule sending 95% of /app/* to v1 and 5% to v2. Safe to run again: what exists is reused.
# With HTTPS_PORT set, also an HTTPS listener there forwarding to v1, with an ACM certificate for TLS_DOMAIN
# (default demo.localhost) signed by the provider's local CA (GET $ENDPOINT/ca.pem to trust it).
# Environment: ENDPOINT, LISTENER_PORT, BACKEND_PORT (the groups' port), and optionally V1_ADDR/V2_ADDR
# (with V1_PORT/V2_PORT) to register one target per group. Compose leaves V1_ADDR/V2_ADDR unset: the
# containers labelled elbv2.target-group=v1|v2 register themselves, however many are running.
set -euo pipefail

ENDPOINT=${ENDPOINT:-http://provider:8080}
LISTENER_PORT=${LISTENER_PORT:-8000}
BACKEND_PORT=${BACKEND_PORT:-8080}
V1_ADDR=${V1_ADDR:-} V1_PORT=${V1_PORT:-$BACKEND_PORT}
V2_ADDR=${V2_ADDR:-} V2_PORT=${V2_PORT:-$BACKEND_PORT}
HTTPS_PORT=${HTTPS_PORT:-} TLS_DOMAIN=${TLS_DOMAIN:-demo.localhost}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}

elb() { aws --endpoint-url "$ENDPOINT" --output text elbv2 "$@"; }
acm() { aws --endpoint-url "$ENDPOINT" --output text acm "$@"; }

for _ in $(seq 60); do elb describe-load-balancers >/dev/null 2>&1 && break; sleep 1; done

lb=$(elb create-load-balancer --name demo --subnets subnet-demo-a subnet-demo-b \
  --query 'LoadBalancers[0].LoadBalancerArn')
vpc=$(elb describe-load-balancers --load-balancer-arns "$lb" --query 'LoadBalancers[0].VpcId')

target_group() {  # name [address port] -> arn; the target is registered only when an address is given
  local arn
  arn=$(elb create-target-group --name "$1" --protocol HTTP --port "$BACKEND_PORT" --target-type ip \
    --vpc-id "$vpc" --health-check-path / --health-check-interval-seconds 5 --health-check-timeout-seconds 2 \
    --healthy-threshold-count 2 --query 'TargetGroups[0].TargetGroupArn')
  if [ -n "${2:-}" ]; then
    elb register-targets --target-group-arn "$arn" --targets "Id=$2,Port=$3" >/dev/null
  fi
  echo "$arn"
}
v1=$(target_group v1 "$V1_ADDR" "$V1_PORT")
v2=$(target_group v2 "$V2_ADDR" "$V2_PORT")

listener=$(elb describe-listeners --load-balancer-arn "$lb" \
  --query "Listeners[?Port==\`$LISTENER_PORT\`].ListenerArn | [0]")
if [ -z "$listener" ] || [ "$listener" = None ]; then
  listener=$(elb create-listener --load-balancer-arn "$lb" --protocol HTTP --port "$LISTENER_PORT" \
    --default-actions "Type=forward,TargetGroupArn=$v1" --query 'Listeners[0].ListenerArn')
fi

canary="[{\"Type\":\"forward\",\"ForwardConfig\":{\"TargetGroups\":[
  {\"TargetGroupArn\":\"$v1\",\"Weight\":95},{\"TargetGroupArn\":\"$v2\",\"Weight\":5}]}}]"
rule=$(elb describe-rules --listener-arn "$listener" --query "Rules[?Priority=='10'].RuleArn | [0]")
if [ -z "$rule" ] || [ "$rule" = None ]; then
  elb create-rule --listener-arn "$listener" --priority 10 \
    --conditions 'Field=path-pattern,Values=/app/*' --actions "$canary" >/dev/null
else
  elb modify-rule --rule-arn "$rule" --actions "$canary" >/dev/null
fi

if [ -n "$HTTPS_PORT" ]; then
  cert=$(acm list-certificates --query "CertificateSummaryList[?DomainName=='$TLS_DOMAIN'].CertificateArn | [0]")
  if [ -z "$cert" ] || [ "$cert" = None ]; then
    cert=$(acm request-certificate --domain-name "$TLS_DOMAIN" --validation-method DNS --query CertificateArn)
  fi
  acm wait certificate-validated --certificate-arn "$cert"
  https=$(elb describe-listeners --load-balancer-arn "$lb" \
    --query "Listeners[?Port==\`$HTTPS_PORT\`].ListenerArn | [0]")
  if [ -z "$https" ] || [ "$https" = None ]; then
    elb create-listener --load-balancer-arn "$lb" --protocol HTTPS --port "$HTTPS_PORT" \
      --certificates "CertificateArn=$cert" --ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06 \
      --default-actions "Type=forward,TargetGroupArn=$v1" >/dev/null
  fi
fi

echo "canary ready: listener $LISTENER_PORT, /app/* -> v1 95% / v2 5%"
[ -z "$HTTPS_PORT" ] || echo "  HTTPS listener $HTTPS_PORT -> v1, certificate for $TLS_DOMAIN from the local CA ($ENDPOINT/ca.pem)"
[ -n "$V1_ADDR$V2_ADDR" ] || echo "  targets: the containers labelled elbv2.target-group=v1|v2 (they register themselves)"
echo "  for i in \$(seq 100); do curl -s localhost:$LISTENER_PORT/app/; done | sort | uniq -c"
