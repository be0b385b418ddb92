"""elbv2-provider: a local AWS Application Load Balancer whose data plane is a real Traefik."""
