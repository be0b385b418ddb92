"""The ELBv2 domain in snake_case: the typed model (model.py), AWS's validation, and one module per resource
(load_balancers, listeners, rules, target_groups, targets, ...). It imports neither the targets nor the traefik
package: health reaches it through the protocols in context.py."""
