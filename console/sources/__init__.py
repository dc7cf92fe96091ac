"""Backends behind small protocols: metrics, cluster (and later logs, alerts, notify)."""
