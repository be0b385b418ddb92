"""Running Traefik, as `up`, the tests and the benches start it (Traefik's own pkg/server side).

- static.py: static configs (the Traefiks of `up` and of the tests); supervisor.py runs one Traefik per
  listener port, process.py is one such child, ports.py says why a port cannot be bound.
- plugin.py: the ``alb`` plugin (Go source in plugin/) that every Traefik we start loads.

What Traefik runs comes from provider/compiler (pure) through provider/configserver (the routes it polls).
"""
