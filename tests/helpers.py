"""Small helpers shared by view tests."""

from contextlib import contextmanager
from html.parser import HTMLParser

MAX_QUERIES_PER_PAGE = 15


def assert_constant_queries(client, url, grow, assert_max_queries, assert_num_queries):
    """GET ``url``, let ``grow()`` add data, GET again: the query count must not change.

    ``assert_max_queries``/``assert_num_queries`` are pytest-django's fixtures."""
    client.get(url)  # warm-up: per-process caches must not count as growth
    with assert_max_queries(MAX_QUERIES_PER_PAGE) as small:
        assert client.get(url).status_code == 200
    grow()
    with assert_num_queries(len(small)):
        assert client.get(url).status_code == 200


class _TextParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def visible_text(response) -> str:
    """The page's text without markup, whitespace collapsed, for assertions on what users read."""
    parser = _TextParser()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


# --- PostgreSQL: acting as the application's database role ---------------------------------------


def create_app_role() -> str:
    """The application role (``settings.DATABASE_APP_ROLE``), created if missing; its quoted
    name. The suite connects as the table owner."""
    from django.conf import settings
    from django.db import connection

    role = connection.ops.quote_name(settings.DATABASE_APP_ROLE)
    literal = settings.DATABASE_APP_ROLE.replace("'", "''")
    with connection.cursor() as cursor:
        cursor.execute(
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{literal}') THEN "
            f"CREATE ROLE {role} NOLOGIN; "
            "END IF; END $$"
        )
    return role


@contextmanager
def as_app_role():
    """Create the application role if needed, grant it its rights, and act as it inside a
    transaction (``SET LOCAL ROLE``), the way production connects; yields a cursor. The ORM
    runs as the role too while inside. Run refused statements in savepoints
    (``transaction.atomic()``) so the transaction survives them."""
    from django.db import connection, transaction

    from consent.dbroles import grant_app_role

    role = create_app_role()
    assert grant_app_role()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        try:
            yield cursor
        finally:
            cursor.execute("RESET ROLE")
