"""`{% localcache seconds "name" var ... %}…{% endlocalcache %}`: keep a rendered fragment
in this process for a few seconds.

For the parts of hot pages that are the same for every visitor (the site header and footer,
an empty sign form): rendering them is most of a page's cost and they change only with the
variables named in the tag (and the language, always part of the key). Never put anything
personal inside one — a CSRF token, a name, a message.
"""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from townhall.core.localcache import LocalCache

register = template.Library()
_fragments: LocalCache[SafeString] = LocalCache("fragments", max_entries=1024)


class LocalCacheNode(template.Node):
    def __init__(self, nodelist: NodeList, seconds: FilterExpression, name: str, varies: list[FilterExpression]):
        self.nodelist = nodelist
        self.seconds = seconds
        self.name = name
        self.varies = varies

    def render(self, context: Context) -> SafeString:
        key = (self.name, get_language(), *(str(v.resolve(context)) for v in self.varies))
        fragment = _fragments.get(key)
        if fragment is None:
            fragment = mark_safe(self.nodelist.render(context))  # noqa: S308 - rendered by the template engine
            _fragments.set(key, fragment, seconds=float(self.seconds.resolve(context)))
        return fragment


@register.tag("localcache")
def do_localcache(parser: Parser, token: Token) -> LocalCacheNode:
    bits = token.split_contents()
    if len(bits) < 3 or not (bits[2][0] == bits[2][-1] and bits[2][0] in "'\""):
        raise template.TemplateSyntaxError('Usage: {% localcache seconds "name" [var ...] %}')
    nodelist = parser.parse(("endlocalcache",))
    parser.delete_first_token()
    return LocalCacheNode(
        nodelist, parser.compile_filter(bits[1]), bits[2][1:-1], [parser.compile_filter(b) for b in bits[3:]]
    )
