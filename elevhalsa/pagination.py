"""One page size and one way to read the page number, for every list."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

PAGE_SIZE = 25


def paginate(request, queryset: QuerySet, per_page: int = PAGE_SIZE) -> Page:
    """The requested page; a missing, bad or too-large number falls back instead of a 404/500."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
