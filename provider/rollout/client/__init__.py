"""The `rollout` command: a client of the public ELBv2 and CloudWatch APIs (boto3) and of /rollouts, like any
other. The server never imports it; provider/cli.py imports only its flags until a rollout runs."""
