"""URL forms: one canonical form per article (pure functions)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "xtor",
        "xts",
        "xtref",
        "at_medium",
        "at_campaign",
        "at_platform",
        "at_send_date",
        "at_creation",
        "at_link",
        "at_link_id",
        "at_link_type",
        "at_link_origin",
        "at_recipient_id",
        "at_recipient_list",
        "at_ptr_name",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "at_format",
        "at_variant",
        "at_brand",
        "at_email_type",
        "at_theme",
        "cmp",
        "cmpid",
        "ito",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "ref",
        "ref_src",
        "referrer",
        "s_cid",
        "ocid",
        "taid",
        "_ga",
        "_gl",
        "spm",
        "sr_share",
        "share",
        "amp",
        "outputType",
        "CMP",
        "wt_mc",
        "wt_zmc",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "matomo_", "hsa_", "vero_", "oly_")
DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The canonical form of an article URL.

    Lower-cased scheme and host, no default port, no fragment, no tracking parameters
    (``utm_*``, ``fbclid``, ``xtor``, ``at_medium``…), remaining query parameters sorted, percent
    escapes normalised. Idempotent: ``canonical_url(canonical_url(u)) == canonical_url(u)``.
    """
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port if parts.port and DEFAULT_PORTS.get(scheme) != parts.port else None
    netloc = host if port is None else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)])
    path = parts.path or "/"
    rebuilt = urlunsplit((scheme, netloc, path, query, ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def host_of(url: str) -> str:
    """The host name of ``url`` without ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host
