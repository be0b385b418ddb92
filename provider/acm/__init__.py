"""ACM on the same endpoint: certificates requested from a local CA (`ca`) or imported (`checks`), kept in DuckDB
(`records`), served by the HTTPS listeners that name them (provider/compiler/tls.py)."""
