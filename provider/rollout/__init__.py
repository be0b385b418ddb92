"""`elbv2-provider rollout`: a progressive rollout that moves forward weights step by step through the public
API, judges each step on the canary group's own metrics and rolls back in one call."""
