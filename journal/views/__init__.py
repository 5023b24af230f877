"""Journal pages, one module per concern: the record (timeline, entry, history), writing
entries, attachments, printouts and copies. Every view opens its student or entry through
``journal.access``."""
