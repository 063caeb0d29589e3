"""Workflows that touch several models, one module per step.

Views, tasks and management commands call these.
"""
