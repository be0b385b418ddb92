"""The routes Traefik polls for its dynamic configuration (Traefik's pkg/provider/http, seen from the server).

- endpoint.py: the whole config or one listener port's part; cache.py: compiled once per change, the long poll;
  auth.py: the bearer token; memory.py: heap pages given back after a compile.
"""
