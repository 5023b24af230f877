"""Growth references and charts: our own LMS functions over the stored tables.

``reference`` computes SD scores (z) and values at a z from a ``GrowthReference``'s LMS rows,
``charts`` draws the SD channels and a student's measurements as SVG, ``loading`` reads a
reference folder (CSV tables and a manifest) for the migration and ``load_growth_reference``.
"""
