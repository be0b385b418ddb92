"""Everything the test suites share, and the only test code a test may import (tests/unit/test_test_imports.py):
processes (free ports, the server in-process or as a subprocess, stop by PID), backends, waiting, traefik, clients
(boto3, the aws CLI, keep-alive HTTP), builders, models and conditions (domain objects), and each suite's helpers.
conftest files keep only pytest fixtures."""
