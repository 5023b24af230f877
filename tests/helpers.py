"""Small helpers shared by view tests."""

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
