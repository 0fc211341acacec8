"""Method + path -> handler. A Router is itself a handler, so routers nest with `include`.

Paths match case-insensitively: the services we stand in for ran on IIS, and clients are not
consistent about `/Config/MsgrConfig.asmx` versus `/config/msgrconfig.asmx`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from msnp.web.messages import Request, Response

Handler = Callable[[Request], Awaitable[Response]]


def _methods(methods: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(methods, str):
        methods = (methods,)
    result = tuple(m.upper() for m in methods)
    if not result:
        raise ValueError("a route needs at least one method")
    return result


class Router:
    """Exact routes (`add`) and subtree routes (`add_prefix`, longest prefix wins).

    HEAD is served by the GET handler when no HEAD handler is set (the server drops the
    body). An unknown path gets 404; a known path with another method gets 405 and `Allow`.
    """

    def __init__(self) -> None:
        self._exact: dict[str, dict[str, Handler]] = {}
        self._prefixes: dict[str, dict[str, Handler]] = {}

    def add(self, methods: str | Iterable[str], path: str, handler: Handler) -> None:
        self._register(self._exact, methods, path, handler)

    def add_prefix(self, methods: str | Iterable[str], prefix: str, handler: Handler) -> None:
        """Route every path equal to `prefix` or below it (`/gateway` covers `/gateway/x`)."""
        self._register(self._prefixes, methods, prefix.rstrip("/"), handler)

    def route(self, methods: str | Iterable[str], path: str) -> Callable[[Handler], Handler]:
        """Decorator form of `add`."""

        def decorate(handler: Handler) -> Handler:
            self.add(methods, path, handler)
            return handler

        return decorate

    def include(self, other: Router) -> None:
        """Copy every route of `other` into this router (duplicates are an error)."""
        for path, table in other._exact.items():
            for method, handler in table.items():
                self._register(self._exact, method, path, handler)
        for prefix, table in other._prefixes.items():
            for method, handler in table.items():
                self._register(self._prefixes, method, prefix, handler)

    def resolve(self, method: str, path: str) -> Handler | Response:
        """The handler for a request, or the 404/405 response to send instead."""
        table = self._table_for(path)
        if table is None:
            return Response.text(404, "Not Found\n")
        method = method.upper()
        handler = table.get(method)
        if handler is None and method == "HEAD":
            handler = table.get("GET")
        if handler is not None:
            return handler
        allowed = sorted(set(table) | ({"HEAD"} if "GET" in table else set()))
        return Response.text(405, "Method Not Allowed\n", [("Allow", ", ".join(allowed))])

    async def __call__(self, request: Request) -> Response:
        found = self.resolve(request.method, request.path)
        if isinstance(found, Response):
            return found
        return await found(request)

    # ---- internals ----------------------------------------------------------------------
    def _register(
        self,
        tables: dict[str, dict[str, Handler]],
        methods: str | Iterable[str],
        path: str,
        handler: Handler,
    ) -> None:
        if not path.startswith("/") and path != "":
            raise ValueError(f"route path must start with '/': {path!r}")
        table = tables.setdefault(path.lower(), {})
        for method in _methods(methods):
            if method in table:
                raise ValueError(f"route already set: {method} {path}")
            table[method] = handler

    def _table_for(self, path: str) -> dict[str, Handler] | None:
        key = path.lower()
        table = self._exact.get(key)
        if table is not None:
            return table
        best: str | None = None
        for prefix in self._prefixes:
            if (key == prefix or key.startswith(prefix + "/")) and (
                best is None or len(prefix) > len(best)
            ):
                best = prefix
        return None if best is None else self._prefixes[best]
