"""CloudWatch: metric statistics and metric math over the requests Traefik served (the AWS/ApplicationELB
namespace, computed at query time) and over the data applications put (PutMetricData)."""
