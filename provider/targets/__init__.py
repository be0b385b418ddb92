"""Targets: the ALB health state machine (pure), the probes and their schedule, and Docker containers as
instance targets. They implement the domain's protocols (HealthView, InstanceResolver in provider/elbv2/) and
report the domain's types (TargetHealth, its states and reasons); the domain never imports this package."""
