"""Progressive rollouts. The command (`elbv2-provider rollout`: flags, engine, judge, display, its boto3 client)
is in client/; the server's side is routes.py (/rollouts, kept by records.py); both speak the
vocabulary of model.py and the JSON of wire.py, and neither imports the other."""
