"""The guardian portal (``/portal/``): e-ID sign-in, each child's rights, and the sections other
apps register (``consent.portal.sections``)."""
