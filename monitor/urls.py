"""URL forms: one canonical form per article (pure functions).

The rules, in order: lower-cased scheme and host without a trailing dot; no default port; no fragment;
no tracking parameters (our list, plus courlan's tracker patterns taken from ClearURLs and Firefox's
query stripping); AMP and mobile variants mapped to the main page (``amp.``/``m.``/``mobile.`` hosts,
Google's AMP cache, ``/amp`` path segments, ``.amp.html``, a final ``.amp``, ``?amp=1``, ``outputType=amp``); remaining
parameters sorted and percent escapes normalised by w3lib's ``canonicalize_url``.
``rel=canonical`` is honoured where the page is stored (the archive uses ``Article.canonical_url``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from courlan.clean import TRACKERS_RE
from w3lib.url import canonicalize_url

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid",
        "xtor", "xts", "xtref", "cmp", "cmpid", "ito", "ref", "ref_src", "referrer", "s_cid", "ocid", "taid",
        "_ga", "_gl", "spm", "sr_share", "share", "wt_mc", "wt_zmc", "ns_mchannel", "ns_source",
        "ns_campaign", "ns_linkname", "ns_fee", "at_medium", "at_campaign", "xtatc", "origin", "partner",
        "fromrss", "from", "rss", "feed", "feedtype", "smid", "smtyp", "ncid", "icid", "guccounter",
        "guce_referrer", "guce_referrer_sig", "soc_src", "soc_trk", "mbid", "__twitter_impression",
        "emc", "pgtype", "feedname", "intcmp", "wt.mc_id", "s_kwcid", "ef_id", "ttclid", "li_fat_id",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "matomo_", "hsa_", "vero_", "oly_", "ns_", "_hs", "lmd_")
AMP_PARAMS = frozenset({"amp", "_amp", "amp_js_v", "usqp"})
DEFAULT_PORTS = {"http": 80, "https": 443}
VARIANT_HOST = re.compile(r"^(?:amp|m|mobile)\.(?=[^.]+\.[^.]+)")
AMP_CACHE_HOST = re.compile(r"\.cdn\.ampproject\.org$")
AMP_CACHE_PATH = re.compile(r"^/(?:[a-z]+/)*?(s/)?([^/]+\.[^/]+)(/.*)?$")
AMP_PATH = [
    (re.compile(r"^/amp(?=/)"), ""),  # /amp/2020/06/story
    (re.compile(r"/amp/?$"), "/"),  # /2020/06/story/amp
    (re.compile(r"\.amp(\.html?)$"), r"\1"),  # story.amp.html
    (re.compile(r"/amp\.html?$"), "/"),  # story/amp.html
    (re.compile(r"(?<=[\w-])\.amp$"), ""),  # news/technology-52978191.amp
    (re.compile(r"(?<=[\w-])/amp(?=/[^/]+$)"), ""),  # /news/amp/technology-52978191
]


# Names that are tracking on most sites but an article's identifier on some (``actualite.php?cid=4521``,
# ``?source=12``): dropped only when their value is not a number, so two articles never share a form.
WORD_VALUED = frozenset({"ref", "from", "origin", "feed", "rss", "share", "partner", "cmp", "ito", "spm", "emc"})
IDENTIFIER_VALUE = re.compile(r"^\d+$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
ALWAYS_TRACKING_RE = re.compile(r"^(?:dc|fbc|gc|twc|yc|ysc|msc|ms)?clid$|^(?:utm|mc|ga|gs|itm|mkt|ml|mtm|pk|vero)_")


def is_tracking_param(name: str, value: str = "") -> bool:
    """Whether query parameter ``name=value`` only says where a reader came from. Unambiguous trackers go
    whatever their value (``utm_*``, ``fbclid``, ``xtor``); names that some sites use as an article's
    identifier (courlan's patterns match ``cid``, ``uid``, ``source``; ``ref``, ``from``…) go unless their
    value is a number or a UUID."""
    lowered = name.lower()
    if lowered.startswith(TRACKING_PREFIXES) or ALWAYS_TRACKING_RE.search(lowered):
        return True
    if lowered in TRACKING_PARAMS and lowered not in WORD_VALUED:
        return True
    if lowered in WORD_VALUED or TRACKERS_RE.search(lowered):
        return not IDENTIFIER_VALUE.match(value.strip())
    return False


def _is_amp_param(name: str, value: str) -> bool:
    lowered = name.lower()
    return lowered in AMP_PARAMS or (lowered == "outputtype" and value.lower() in ("amp", "amp-type"))


def _unwrap_amp_cache(scheme: str, host: str, path: str) -> tuple[str, str, str]:
    """``https://www-x-com.cdn.ampproject.org/c/s/www.x.com/a`` -> ``https``, ``www.x.com``, ``/a``."""
    found = AMP_CACHE_PATH.match(path)
    if not found:
        return scheme, host, path
    return ("https" if found.group(1) else "http"), found.group(2).lower(), found.group(3) or "/"


def _strip_amp_path(path: str) -> str:
    """The path without its AMP markers, until none is left (``/amp/amp`` -> ``/``): each pass shortens it."""
    while True:
        for pattern, replacement in AMP_PATH:
            new_path = pattern.sub(replacement, path) or "/"
            if new_path != path:
                path = new_path
                break
        else:
            return path


def canonical_url(url: str) -> str:
    """The canonical form of an article URL (idempotent: ``canonical_url(canonical_url(u)) == canonical_url(u)``).

    >>> canonical_url("HTTPS://WWW.Example.com:443/a/b.amp.html?utm_source=x&id=3#top")
    'https://www.example.com/a/b.html?id=3'
    """
    return _normal(url, variants=True)


def fetch_url(url: str) -> str:
    """The address to request for an article link: its canonical form without the variant rewrites (an
    ``m.`` host becomes ``www.``, which a site without ``www.`` does not serve; an AMP path the main one),
    which guess (Google's AMP cache is left for the page it serves); ``canonical_url`` stays the key that
    says whether it was fetched or archived already.

    >>> fetch_url("https://m.example.fr/a/b.amp.html?utm_source=x&id=3#top")
    'https://m.example.fr/a/b.amp.html?id=3'
    """
    return _normal(url, variants=False)


def _normal(url: str, variants: bool) -> str:
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "").lower().rstrip(".")
    path = _remove_dot_segments(parts.path or "/")
    port = parts.port if parts.port and DEFAULT_PORTS.get(scheme) != parts.port else None
    if AMP_CACHE_HOST.search(host):  # not a guess: the cache's address spells the page's
        scheme, host, path = _unwrap_amp_cache(scheme, host, unquote(path))
        port = None
    if variants and VARIANT_HOST.match(host):
        host = VARIANT_HOST.sub("www.", host)
    if variants:
        path = _strip_amp_path(_remove_dot_segments(path))  # again: an AMP cache path may carry its own
    netloc = host if port is None else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode(
        [(k, v) for k, v in pairs if not is_tracking_param(k, v) and not (variants and _is_amp_param(k, v))]
    )
    rebuilt = urlunsplit((scheme, netloc, path, query, ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4: "/a/./b/../c" -> "/a/c", before any rule looks at the segments."""
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        if segment == ".":
            if index == len(segments) - 1:
                output.append("")
            continue
        if segment == "..":
            if len(output) > 1:
                output.pop()
            if index == len(segments) - 1:
                output.append("")
            continue
        output.append(segment)
    result = "/".join(output)
    return result if result.startswith("/") else "/" + result


def host_of(url: str) -> str:
    """The host name of ``url`` without ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def host_allowed(url: str, allowed: list[str] | tuple[str, ...]) -> bool:
    """Whether the host of ``url`` is one of ``allowed`` or a subdomain of one (``www.`` ignored)."""
    host = host_of(url)
    return any(host == domain or host.endswith("." + domain) for domain in allowed)
