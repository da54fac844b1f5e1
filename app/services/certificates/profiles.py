"""ACME profiles (draft-ietf-acme-profiles): the profiles each CA's directory offers
(`meta.profiles`, read through the directory cache) and the check of a request's profile
against them. The profile is stored on the certificate, sent in every newOrder of it
(renewals too) and shown with it."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from app.errors import ValidationFailed
from app.runtime import current
from app.services.certificates.cas import CA
from app.wording import Input

log = logging.getLogger(__name__)
MAX_PROFILE = 64
# What a profile name may be here: the draft leaves it free, CAs use short tokens
# (classic, tlsserver, shortlived); this keeps what casp stores and shows plain.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*", re.ASCII)


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    description: str


async def offered(directory_url: str) -> list[Profile] | None:
    """The directory's profiles by name; [] when it offers none, None when it cannot be
    read now."""
    found = await current().acme.profiles(directory_url)
    if found is None:
        return None
    return [Profile(name, found[name]) for name in sorted(found)]


async def of_ca(ca: CA) -> list[Profile] | None:
    """What the CA's directory for the default key type offers ([] for a CA that stopped)."""
    overrides = current().settings.ca_directories
    if not ca.available(overrides):
        return []
    return await offered(ca.directory_for("ec-256", overrides))


async def check(profile: str | None, ca: CA, directory_url: str) -> str | None:
    """The profile to store: None when none is asked for; refused when the CA does not
    offer it. A directory that cannot be read now lets it through: the order, retried
    through the outage, has the CA's answer (a profile it does not know fails it)."""
    if profile is None or not profile.strip():
        return None
    name = profile.strip()
    if len(name) > MAX_PROFILE or not _NAME.fullmatch(name):
        raise ValidationFailed(
            f"{Input('profile')} must be a profile name of at most {MAX_PROFILE} letters, "
            "digits, '.', '-' or '_'", field="profile")
    found = await offered(directory_url)
    if found is None:
        log.warning("cannot read %s to check profile %r; the order will tell", directory_url,
                    name)
        return name
    if not found:
        raise ValidationFailed(f"{ca.title} offers no profiles; leave {Input('profile')} out",
                               field="profile", details={"profiles": []})
    if name not in {p.name for p in found}:
        raise ValidationFailed(
            f"{Input('profile')} must be one of {ca.title}'s profiles: "
            f"{', '.join(p.name for p in found)}", field="profile",
            details={"profiles": [p.name for p in found]})
    return name
