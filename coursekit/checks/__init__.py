"""The probes behind every exercise, one module per part of the course."""
