"""Everything Traefik, in Traefik's camelCase vocabulary (nothing outside this package speaks it).

- compiler.py: State + routable servers -> dynamic config (pure); memo.py: the texts it can reuse next time;
  matchers.py: ALB conditions -> rule expressions; dynamic.py: the dynamic config's JSON texts.
- endpoint.py: the routes Traefik polls, with config_cache.py (compiled once per change, long poll),
  auth.py (bearer token), answers.py (fixed responses and redirect Locations), memory.py (malloc_trim).
- static.py: static configs (the Traefiks of `up` and of the tests); supervisor.py runs one Traefik per
  listener port, process.py is one such child, ports.py says why a port cannot be bound.
"""
