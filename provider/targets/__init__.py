"""Targets: the ALB health state machine (pure), the probes and their schedule, and Docker containers as
instance targets."""
