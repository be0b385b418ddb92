"""The ELBv2 domain: the typed model (model.py, target_health.py), AWS's validation rules (names, arns,
conditions and their wildcard grammar, actions, attributes, limits) and one module per resource whose
OPERATIONS tables operations.py merges. It imports neither the wire (provider/aws/), nor Traefik
(provider/traefik/), nor the health checker (provider/targets/): those reach it through context.py's protocols."""
