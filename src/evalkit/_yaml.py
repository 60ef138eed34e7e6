"""YAML reading for project files: the safe loader, made strict.

Two things PyYAML's ``safe_load`` does silently are errors here:

* a key given twice in one mapping (PyYAML keeps the last value, so a second ``indicators:``
  would silently replace the first list) raises :class:`DuplicateKeyError` naming the key and
  both line numbers;
* an impossible date such as ``2025-02-30`` (PyYAML raises a bare ``ValueError``) is kept as
  the text it was, so that validation reports it with its YAML path
  (``project.period.end: expected a date like 2025-01-31, got '2025-02-30'``).

Speed: when PyYAML has its C parser (libyaml), a file that cannot nest deeper than
:data:`C_PARSER_MAX_DEPTH` is parsed by it, five times faster than the Python parser (0.04 s
against 0.2 s for the example project); the same strict constructors build the values. The C
parser recurses on the machine stack, so a deeper file (and any file the C parser rejects)
goes through the Python parser, which gives the same values and exactly its own error
messages. A plain document (mappings, lists and scalars of the standard tags, no anchors,
no repeated keys: every project file) is built straight from the C parser's events; any
other, and any error, goes PyYAML's way (nodes composed, then constructed), so that values
and messages stay PyYAML's.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["DuplicateKeyError", "safe_load"]

_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_YAML_STR = yaml.SafeLoader.construct_yaml_str


class DuplicateKeyError(ConstructorError):
    """A mapping gives the same key twice (``problem`` names the key and both lines)."""


def _construct_object(loader: Any, node: Node, deep: bool = False) -> Any:
    """``BaseConstructor.construct_object`` with a short way for a scalar of a known tag.

    A scalar's constructor neither recurses nor yields, so PyYAML's bookkeeping (the
    recursion guard, the ``deep`` flag, generator states) does nothing for it: the value is
    built by the same constructor and remembered as PyYAML does (an alias gets the same
    object). A project file has some thousands of scalars."""
    if node.__class__ is ScalarNode:
        if node.tag == _STR and loader.yaml_constructors.get(_STR) is _YAML_STR:
            return node.value  # what construct_yaml_str returns (the same object each time)
        constructor = loader.yaml_constructors.get(node.tag)
        if constructor is not None:
            done = loader.constructed_objects
            if node in done:
                return done[node]
            data = done[node] = constructor(loader, node)
            return data
    return yaml.SafeLoader.construct_object(loader, node, deep=deep)


#: implicit tags of plain scalars already resolved: (text, implicit flags) -> tag. The
#: resolvers of the strict loaders are PyYAML's fixed safe set with no path resolvers, so the
#: tag depends on nothing else; bounded by clearing (a project file has a few hundred distinct
#: scalars, each resolved once instead of by up to nine regular expressions per occurrence).
_TAGS: dict[tuple[str, Any], str] = {}
_TAGS_MAX = 20_000


def _resolve(loader: Any, kind: Any, value: Any, implicit: Any) -> Any:
    """``BaseResolver.resolve``, remembered for scalars."""
    base: Any = yaml.SafeLoader.resolve  # untyped in PyYAML's stubs
    if kind is not ScalarNode or loader.yaml_path_resolvers:
        return base(loader, kind, value, implicit)
    key = (value, implicit)
    tag = _TAGS.get(key)
    if tag is None:
        if len(_TAGS) >= _TAGS_MAX:
            _TAGS.clear()
        tag = _TAGS[key] = base(loader, kind, value, implicit)
    return tag


class _StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses duplicate keys and keeps impossible dates as text."""

    construct_object = _construct_object
    resolve = _resolve


#: the C parser is used when the text cannot nest deeper than this (its recursion would
#: overflow the machine stack at some tens of thousands of levels)
C_PARSER_MAX_DEPTH = 5000
_CSafeLoader: Any = getattr(yaml, "CSafeLoader", None)
_CStrictLoader: Any = None
if _CSafeLoader is not None:
    class _CStrictLoader(_CSafeLoader):  # type: ignore[misc,no-redef]
        """The same strict loader on libyaml's C parser."""

        construct_object = _construct_object
        resolve = _resolve


def _construct_mapping(loader: _StrictLoader, node: MappingNode,
                       deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE:
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key: PyYAML reports it below
            continue
        line = key_node.start_mark.line + 1
        if first is not None:
            raise DuplicateKeyError(
                None, None,
                f"duplicate key {key!r}: first at line {first}, again at line {line} "
                "(YAML would silently keep only the last one)",
                key_node.start_mark)
        seen[key] = line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


def _construct_timestamp(loader: _StrictLoader, node: ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


for _loader in (_StrictLoader, _CStrictLoader):
    if _loader is not None:
        _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                _construct_mapping)
        _loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
#: scalar tags the direct builder constructs (with the loader's own constructors)
_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{t}"
                         for t in ("int", "float", "bool", "null", "timestamp"))


class _Unusual(Exception):
    """A document the direct builder leaves to PyYAML: an anchor or alias, a merge key,
    another tag, a repeated key, a mapping or list as a key."""


def _from_events(loader: Any) -> Any:
    """The document's value built from the parser's events, without composing nodes (twice
    as fast as composing them): for a single document of plain mappings, lists and scalars
    of the standard tags without anchors; :class:`_Unusual` for anything else."""
    get = loader.get_event
    if get().__class__ is not StreamStartEvent:
        raise _Unusual
    event = get()
    if event.__class__ is StreamEndEvent:
        return None  # no document: what get_single_node gives
    if event.__class__ is not DocumentStartEvent:
        raise _Unusual
    value = _event_value(loader, get, get())
    if get().__class__ is not DocumentEndEvent or get().__class__ is not StreamEndEvent:
        raise _Unusual
    return value


_NODE_STARTS = (ScalarEvent, SequenceStartEvent, MappingStartEvent)


def _event_value(loader: Any, get: Any, event: Any) -> Any:
    """The value of the node that starts with ``event`` (the next events complete it), as
    composing the node and :func:`_build` give it."""
    kind = event.__class__
    if kind not in _NODE_STARTS or event.anchor is not None or event.tag not in (None, "!"):
        raise _Unusual  # an alias, an anchor, an explicit tag
    if kind is ScalarEvent:
        tag = loader.resolve(ScalarNode, event.value, event.implicit)  # as the composer does
        if tag == _STR:
            return event.value
        if tag not in _SCALAR_TAGS:
            raise _Unusual
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        return loader.yaml_constructors[tag](loader, node)
    if kind is SequenceStartEvent:
        if loader.resolve(SequenceNode, None, event.implicit) != _SEQ:
            raise _Unusual
        items = []
        while (event := get()).__class__ is not SequenceEndEvent:
            items.append(_event_value(loader, get, event))
        return items
    if kind is not MappingStartEvent or loader.resolve(MappingNode, None,
                                                       event.implicit) != _MAP:
        raise _Unusual
    mapping: dict[Any, Any] = {}
    while (event := get()).__class__ is not MappingEndEvent:
        if event.__class__ is not ScalarEvent:  # a mapping or list as a key
            raise _Unusual
        key = _event_value(loader, get, event)
        if key in mapping:  # a repeated key
            raise _Unusual
        mapping[key] = _event_value(loader, get, get())
    return mapping


def _load_events(text: str, loader_class: Any) -> Any:
    """``yaml.load(text, Loader=loader_class)`` for the documents :func:`_from_events`
    builds; :class:`_Unusual` (or the parser's error) for the others."""
    loader = loader_class(text)
    try:
        if loader.yaml_constructors.get(_STR) is not _YAML_STR:
            raise _Unusual
        return _from_events(loader)
    finally:
        loader.dispose()


def _nesting_bound(text: str) -> int:
    """An upper bound of the nesting depth: each level needs one of ``[ { - : ?``."""
    return sum(text.count(c) for c in "[{-:?")


def safe_load(text: str, *, strict: bool = True) -> Any:
    """Parse ``text`` like :func:`yaml.safe_load`, refusing duplicate keys.

    With ``strict=False`` exactly :func:`yaml.safe_load` (duplicate keys and dates as PyYAML
    treats them), only faster: the C parser under the same depth rule.

    Raises
    ------
    DuplicateKeyError
        A mapping repeats a key (a :class:`yaml.YAMLError` with ``problem`` and
        ``problem_mark``).

    Examples
    --------
    >>> safe_load("a: 1\\nb: 2")
    {'a': 1, 'b': 2}
    >>> safe_load("d: 2025-02-30")
    {'d': '2025-02-30'}
    """
    fast = _CStrictLoader if strict else _CSafeLoader
    if fast is not None and _nesting_bound(text) <= C_PARSER_MAX_DEPTH:
        try:
            return _load_events(text, fast)
        except Exception:  # anything unusual, errors too: composed and constructed below
            pass
        try:
            return yaml.load(text, Loader=fast)  # CSafeLoader or a subclass
        except (yaml.YAMLError, RecursionError):
            pass  # the Python parser raises the same problem in its own words
    return yaml.load(text, Loader=_StrictLoader if strict else yaml.SafeLoader)
