"""STS, as much as IaC tools ask before anything else: GetCallerIdentity with the account from settings."""
