"""The locale files' messages as Fluent syntax (variables, selectors) and the ids a Msg names."""

from __future__ import annotations

from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

from flows.session import Msg
from locales import LOCALES


class Walker(Visitor):
    """Collects a message's variables and, for each selector variable, its variant keys."""

    def __init__(self) -> None:
        super().__init__()
        self.variables: set[str] = set()
        self.selects: dict[str, set[str]] = {}

    def visit_VariableReference(self, node: ast.VariableReference) -> None:
        self.variables.add(node.id.name)
        self.generic_visit(node)

    def visit_SelectExpression(self, node: ast.SelectExpression) -> None:
        if isinstance(node.selector, ast.VariableReference):
            keys = self.selects.setdefault(node.selector.id.name, set())
            for variant in node.variants:
                key = variant.key
                keys.add(key.name if isinstance(key, ast.Identifier) else str(key.value))
        self.generic_visit(node)


def walk(message: ast.Message) -> Walker:
    walker = Walker()
    walker.visit(message)
    return walker


def locale_messages(lang: str) -> dict[str, ast.Message]:
    """Every message of locales/<lang>/*.ftl, in file order."""
    out: dict[str, ast.Message] = {}
    for path in sorted((LOCALES / lang).glob("*.ftl")):
        for entry in FluentParser().parse(path.read_text(encoding="utf-8")).body:
            if isinstance(entry, ast.Message):
                out[entry.id.name] = entry
    return out


def msg_ids(msg: Msg) -> list[str]:
    """A message's id and the ids of the messages nested in its arguments."""
    ids = [msg.id]
    for value in msg.args.values():
        if isinstance(value, Msg):
            ids += msg_ids(value)
    return ids
