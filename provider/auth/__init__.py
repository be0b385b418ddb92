"""authenticate-oidc's server side: the keys (kept in the state directory), the sealed session cookies and the signed
``x-amzn-oidc-data``, the sign-in round trip at ``/oauth2/idpresponse`` and refreshes, the public keys by kid.
Checking a session on each request is the ``alb`` plugin's work, inside Traefik (provider/traefik/plugin/oidc.go)."""
