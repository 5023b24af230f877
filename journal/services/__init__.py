"""Writes that touch several journal rows or must be atomic (one module per concept)."""
