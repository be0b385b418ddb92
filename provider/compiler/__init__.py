"""PURE: State + routable servers -> Traefik's dynamic configuration, in Traefik's camelCase vocabulary
(Traefik's pkg/config/dynamic side; nothing outside this package and provider/traefik speaks it).

- compile.py: the entry points; memo.py: the texts it can reuse next time; dynamic.py: the config's JSON texts.
- matchers.py: ALB conditions -> rule expressions; groups.py: one target group -> its loadBalancer service;
  answers.py: fixed responses, redirects and transforms as options of the ``alb`` plugin.
"""
