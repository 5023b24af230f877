"""The journal's models, one module per concept."""

from .codes import Code, CodeListVersion, CodeSystem  # code lists (KVÅ, ICD-10-SE)
from .templates import DocumentTemplate, Keyword, KeywordKind, TemplateVersion, VipsHeading

__all__ = [
    "Code",
    "CodeListVersion",
    "CodeSystem",
    "DocumentTemplate",
    "Keyword",
    "KeywordKind",
    "TemplateVersion",
    "VipsHeading",
]
