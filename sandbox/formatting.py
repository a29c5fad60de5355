"""Message text as Telegram sees it: ``parse_mode=HTML``, trimming and length limits.

The HTML parser follows the algorithm of TDLib's ``parse_html`` (the code the
Bot API server runs), so the same input fails with the same "can't parse
entities" description and byte offset. One deliberate difference, on by
default (``strict=True``): a bare ``&`` that starts no entity and a bare ``>``
are rejected. Telegram tolerates those two, but its documentation requires
them escaped, and a bot that leaves them unescaped also leaves ``<`` unescaped
in user text, which Telegram does reject -- so the sandbox fails early.
Offsets and lengths of entities are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.errors import ApiError, bad_request

Entity = dict[str, Any]

_SPACES = frozenset(" \t\r\n\v\f")
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_TAGS = frozenset({*_SIMPLE_TAGS, "a", "code", "pre", "blockquote", "tg-emoji"})
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16 offset in the output
    out_index: int  # index into the output chunks, to recover the inner text


class _HtmlParser:
    """One pass over the source, like TDLib: decode entities, collect tags."""

    def __init__(self, source: str, strict: bool) -> None:
        self.src = source
        self.strict = strict
        self.pos = 0
        self.out: list[str] = []
        self.offset = 0
        self.stack: list[_Open] = []
        self.entities: list[Entity] = []

    # -- helpers ---------------------------------------------------------
    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def char(self, index: int) -> str:
        """The character at ``index``, or "" past the end (TDLib's NUL)."""
        return self.src[index] if index < len(self.src) else ""

    def is_space(self, index: int) -> bool:
        ch = self.char(index)
        return ch == "" or ch in _SPACES

    def skip_spaces(self) -> None:
        while self.char(self.pos) and self.char(self.pos) in _SPACES:
            self.pos += 1

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.offset += utf16_len(text)

    # -- main loop -------------------------------------------------------
    def run(self) -> tuple[str, list[Entity]]:
        while self.pos < len(self.src):
            ch = self.src[self.pos]
            if ch == "&":
                self.ampersand()
            elif ch == "<":
                self.tag()
            elif ch == ">" and self.strict:
                raise _parse_error(self.unescaped(">", "&gt;"))
            else:
                self.emit(ch)
                self.pos += 1
        if self.stack:
            tag = self.stack[-1].tag
            raise _parse_error(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def unescaped(self, char: str, escape: str) -> str:
        at = self.byte_offset(self.pos)
        return f'Character "{char}" at byte offset {at} must be escaped as "{escape}"'

    def ampersand(self) -> None:
        decoded = self.decode_entity(self.pos)
        if decoded is None:
            if self.strict:
                raise _parse_error(self.unescaped("&", "&amp;"))
            self.emit("&")
            self.pos += 1
            return
        text, self.pos = decoded
        self.emit(text)

    def decode_entity(self, start: int) -> tuple[str, int] | None:
        """``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` and numeric references; ``;`` optional."""
        end = start + 1
        if self.char(end) == "#":
            end += 1
            hexadecimal = self.char(end) == "x"
            if hexadecimal:
                end += 1
            digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
            begin = end
            while self.char(end) and self.char(end) in digits:
                end += 1
            number = int(self.src[begin:end], 16 if hexadecimal else 10) if end > begin else 0
            if number == 0 or number >= 0x10FFFF or end - start >= 10:
                return None
            if 0xD800 <= number <= 0xDFFF:
                raise _parse_error(
                    "Text contains invalid Unicode characters after decoding HTML entities, "
                    "check for unmatched surrogate code units"
                )
            value = chr(number)
        else:
            while self.char(end).isascii() and self.char(end).isalpha():
                end += 1
            value = _NAMED_ENTITIES.get(self.src[start + 1 : end], "")
            if not value:
                return None
        return value, end + (self.char(end) == ";")

    # -- tags ------------------------------------------------------------
    def tag(self) -> None:
        begin = self.pos
        self.pos += 1
        if self.char(self.pos) == "/":
            self.end_tag(begin)
        else:
            self.start_tag(begin)
        self.pos += 1  # the closing '>'

    def start_tag(self, begin: int) -> None:
        while not self.is_space(self.pos) and self.char(self.pos) != ">":
            self.pos += 1
        if self.char(self.pos) == "":
            raise _parse_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = self.src[begin + 1 : self.pos].lower()
        if name not in _TAGS:
            at = self.byte_offset(begin)
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {at}')
        argument = self.attributes(name, begin)
        if name == "span" and argument != "spoiler":
            at = self.byte_offset(begin)
            raise _parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        self.stack.append(_Open(name, argument, self.offset, len(self.out)))

    def attributes(self, tag: str, begin: int) -> str:
        """Read ``name=value`` pairs up to '>', returning the one argument the tag uses."""
        argument = ""
        at = self.byte_offset(begin)
        while self.char(self.pos) != ">":
            self.skip_spaces()
            if self.char(self.pos) == ">":
                break
            name_begin = self.pos
            while not self.is_space(self.pos) and self.char(self.pos) not in "=>":
                self.pos += 1
            name = self.src[name_begin : self.pos]
            if not name:
                raise _parse_error(f'Empty attribute name in the tag "{tag}" at byte offset {at}')
            self.skip_spaces()
            if self.char(self.pos) != "=":
                if tag == "blockquote" and name == "expandable":
                    argument = "expandable"
                    continue
                raise _parse_error(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte offset {at}'
                )
            self.pos += 1
            self.skip_spaces()
            if self.char(self.pos) == "":
                raise _parse_error(f'Unclosed start tag "{tag}" at byte offset {at}')
            value = self.attribute_value()
            if self.char(self.pos) == "":
                raise _parse_error(f"Unclosed start tag at byte offset {at}")
            argument = _tag_argument(tag, name, value) or argument
        return argument

    def attribute_value(self) -> str:
        quote = self.char(self.pos)
        if quote not in ("'", '"'):
            begin = self.pos
            while _is_name_token_char(self.char(self.pos)):
                self.pos += 1
            if not self.is_space(self.pos) and self.char(self.pos) != ">":
                at = self.byte_offset(begin)
                raise _parse_error(f"Unexpected end of name token at byte offset {at}")
            return self.src[begin : self.pos].lower()
        self.pos += 1
        parts: list[str] = []
        while self.char(self.pos) not in (quote, ""):
            decoded = self.decode_entity(self.pos) if self.char(self.pos) == "&" else None
            if decoded is None:
                parts.append(self.src[self.pos])
                self.pos += 1
            else:
                parts.append(decoded[0])
                self.pos = decoded[1]
        if self.char(self.pos) == quote:
            self.pos += 1
        return "".join(parts)

    def end_tag(self, begin: int) -> None:
        at = self.byte_offset(begin)
        if not self.stack:
            raise _parse_error(f"Unexpected end tag at byte offset {at}")
        self.pos += 1
        while not self.is_space(self.pos) and self.char(self.pos) != ">":
            self.pos += 1
        name = self.src[begin + 2 : self.pos].lower()
        self.skip_spaces()
        if self.char(self.pos) != ">":
            raise _parse_error(f"Unclosed end tag at byte offset {at}")
        opened = self.stack.pop()
        if name and name != opened.tag:
            raise _parse_error(f'Unmatched end tag at byte offset {at}, expected "</{opened.tag}>", found "</{name}>"')
        if self.offset > opened.offset:
            self.close_entity(opened)

    def close_entity(self, opened: _Open) -> None:
        offset, length = opened.offset, self.offset - opened.offset
        entity: Entity = {"offset": offset, "length": length}
        # the entity closed just before, if it spans the same text as this one (a <code> in a <pre>)
        last = self.entities[-1] if self.entities else None
        twin = last if last is not None and (last["offset"], last["length"]) == (offset, length) else None
        if opened.tag in _SIMPLE_TAGS:
            entity["type"] = _SIMPLE_TAGS[opened.tag]
        elif opened.tag == "a":
            url = _checked_url(opened.argument or "".join(self.out[opened.out_index :]))
            if url is None:
                return
            entity.update(type="text_link", url=url)
        elif opened.tag == "tg-emoji":
            if not opened.argument.isdigit() or int(opened.argument) == 0:
                raise bad_request("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=opened.argument)
        elif opened.tag == "blockquote":
            expandable = opened.argument == "expandable"
            entity["type"] = "expandable_blockquote" if expandable else "blockquote"
        elif opened.tag == "code" and opened.argument and twin is not None and twin["type"] == "pre":
            twin["language"] = opened.argument
            return
        elif opened.tag == "pre" and twin is not None and twin["type"] == "code" and "language" in twin:
            twin["type"] = "pre"
            return
        else:  # code or pre
            entity["type"] = opened.tag
            if opened.tag == "code" and opened.argument:
                entity["language"] = opened.argument  # kept only if a <pre> wraps it
        self.entities.append(entity)


def _is_name_token_char(ch: str) -> bool:
    """Letters, digits, periods and hyphens: an unquoted attribute value."""
    return ch != "" and ((ch.isascii() and ch.isalnum()) or ch in ".-")


def _tag_argument(tag: str, attribute: str, value: str) -> str:
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    return ""


def _checked_url(url: str) -> str | None:
    """Telegram drops links it cannot use; bare domains get ``http://``."""
    url = url.strip()
    if not url or " " in url:
        return None
    if "://" not in url and not url.startswith("tg:"):
        if "." not in url:
            return None
        url = "http://" + url
    scheme = url.split(":", 1)[0].lower()
    return url if scheme in ("http", "https", "tg", "ton") else None


def parse_html(source: str, *, strict: bool = True) -> tuple[str, list[Entity]]:
    """Return the plain text and its entities, or raise a 400 "can't parse entities"."""
    text, entities = _HtmlParser(source, strict).run()
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return text, entities


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip surrounding whitespace as Telegram does, shifting and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept


def format_text(
    text: str | None, parse_mode: str | None, entities: Any, *, strict: bool = True
) -> tuple[str, list[Entity]]:
    """Apply parse_mode (or explicit entities) and trimming to a text or caption."""
    if not text:
        return "", []
    if entities:
        parsed = _checked_entities(entities, utf16_len(text))
    elif parse_mode:
        if parse_mode.lower() != "html":
            # MarkdownV2 has its own escaping rules; failing loudly beats passing
            # text through unchecked and breaking on a real phone.
            raise bad_request(f"unsupported parse_mode {parse_mode!r} (the sandbox checks HTML only)")
        text, parsed = parse_html(text, strict=strict)
    else:
        parsed = []
    return trim(text, parsed)


def _checked_entities(entities: Any, size: int) -> list[Entity]:
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        raise bad_request("can't parse entities JSON object")
    checked: list[Entity] = []
    for entity in entities:
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int) or "type" not in entity:
            raise bad_request("can't parse entities: entity must have type, offset and length")
        if offset < 0 or length <= 0 or offset + length > size:
            continue  # Telegram silently drops entities outside the text
        checked.append(dict(entity))
    checked.sort(key=lambda e: (e["offset"], -e["length"]))
    return checked
