"""The status page at /ui/: rollouts, load balancers, listeners, rules with configured and observed splits, target
health, request and 5xx rates. Read-only, server-rendered, refreshed by a little JS once a second."""
