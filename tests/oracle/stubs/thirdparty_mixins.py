"""Stub of an unresolvable third-party module: a plain mixin without astep."""


class TracingMixin:
    def trace(self, message: str) -> str:
        return f"[{type(self).__name__}] {message}"
