"""Everything Traefik: the pure ALB -> Traefik compiler and its rule matchers, the dynamic and static
configuration vocabularies, the config endpoint Traefik polls (with its long poll), the answers for fixed
responses and redirects, and the supervisor that runs one Traefik per listener port in `up`."""
