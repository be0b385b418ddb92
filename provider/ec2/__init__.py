"""The small EC2 networking surface IaC tools call before an ALB: VPCs, subnets, security groups, zones, tags."""
