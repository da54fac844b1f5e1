"""CASP_CUSTOM_CAS and its per-CA settings: what a custom CA is made of, and each bad setting
stopping casp at start with a message naming the variable; the fallback's classification of
failures (the CA's own, or the user's validation)."""

from __future__ import annotations

import pytest

from app.acme.errors import AcmeProblem, AcmeTimeout, AcmeUnavailable, AwaitingDns, ChallengeFailed
from app.config import ConfigError, Settings
from app.services.certificates.cas import CA, REGISTRY, caa_identities
from app.services.certificates.fallback import ca_fault

CORP = {"CASP_CUSTOM_CAS": " corp , lab_2", "CASP_CA_CORP_DIRECTORY": "https://ca.corp/dir",
        "CASP_CA_LAB_2_DIRECTORY": "http://127.0.0.1:14000/dir"}


def test_custom_cas_are_read_in_order_with_their_settings():
    corp, lab = Settings.from_env(CORP | {
        "CASP_CA_CORP_NAME": "Corp CA", "CASP_CA_CORP_EAB": "required",
        "CASP_CA_CORP_CAA": "CA.Corp.example, corp.example", "CASP_CA_LAB_2_EAB": "none",
        "CASP_EAB_CORP_KID": "k", "CASP_EAB_CORP_HMAC_KEY": "h"}).custom_cas
    assert (corp.name, corp.title, corp.directory, corp.custom) == (
        "corp", "Corp CA", "https://ca.corp/dir", True)
    assert corp.eab_mode == "required" and corp.caa == ("ca.corp.example", "corp.example")
    assert (lab.name, lab.title, lab.eab_mode, lab.eab_accepted, lab.caa) == (
        "lab_2", "lab_2", "none", False, ())
    assert Settings.from_env(CORP | {"CASP_EAB_CORP_KID": "k", "CASP_EAB_CORP_HMAC_KEY": "h"}
                             ).platform_eab == {"corp": ("k", "h")}
    assert Settings.from_env({}).custom_cas == ()


@pytest.mark.parametrize(("env", "said"), [
    ({"CASP_CUSTOM_CAS": "letsencrypt"}, "'letsencrypt' is taken"),
    ({"CASP_CUSTOM_CAS": "custom"}, "'custom' is reserved"),
    ({"CASP_CUSTOM_CAS": "a,a", "CASP_CA_A_DIRECTORY": "https://a/d"}, "named twice"),
    ({"CASP_CUSTOM_CAS": "9lives"}, "'9lives' is not a CA name"),
    ({"CASP_CUSTOM_CAS": "my-ca"}, "'my-ca' is not a CA name"),
    ({"CASP_CUSTOM_CAS": "a" * 21}, "is not a CA name"),
    ({"CASP_CUSTOM_CAS": "corp"}, "CASP_CA_CORP_DIRECTORY must be the http(s) URL"),
    ({"CASP_CUSTOM_CAS": "corp", "CASP_CA_CORP_DIRECTORY": "ftp://x/d"},
     "CASP_CA_CORP_DIRECTORY must be"),
    (CORP | {"CASP_CA_CORP_EAB": "sometimes"}, "CASP_CA_CORP_EAB must be required or optional"),
    (CORP | {"CASP_CA_CORP_CAA": "ok.example,not a name"}, "CASP_CA_CORP_CAA must list"),
    (CORP | {"CASP_CA_CORP_NAME": "x" * 101}, "CASP_CA_CORP_NAME must be at most 100"),
    (CORP | {"CASP_EAB_CORP_KID": "k"}, "CASP_EAB_CORP_KID and _HMAC_KEY go together"),
    ({"CASP_FALLBACK_AFTER_SECONDS": "soon"}, "CASP_FALLBACK_AFTER_SECONDS must be an integer"),
])
def test_bad_custom_ca_settings_stop_casp_naming_the_variable(env: dict[str, str], said: str):
    with pytest.raises(ConfigError) as err:
        Settings.from_env(env)
    assert said in str(err.value)


def test_caa_identities_come_from_the_directory_first():
    corp = CA.declared("corp", title="Corp", directory="https://c/d", eab="optional",
                       caa=("corp.example",))
    assert caa_identities(corp, ["CA.Corp.Example"]) == ("ca.corp.example",)
    assert caa_identities(corp, []) == ("corp.example",)
    assert caa_identities(corp, None) == ("corp.example",)
    assert caa_identities(REGISTRY["google"], None) == ("pki.goog",)


ACME = "urn:ietf:params:acme:error:"


@pytest.mark.parametrize(("error", "theirs"), [
    (AcmeUnavailable("cannot reach the CA"), True),
    (AcmeTimeout("the CA did not finish in time"), True),
    (AcmeProblem({"type": ACME + "rateLimited"}), True),
    (AcmeProblem({"type": ACME + "unauthorized"}), True),
    (AcmeProblem({"type": ACME + "externalAccountRequired"}), True),
    (AcmeProblem({"type": ACME + "badPublicKey"}), True),
    (AcmeProblem({"type": "casp:eabRequired"}), True),
    (ChallengeFailed({"type": ACME + "unauthorized"}), False),  # the user's http-01 answer
    (ChallengeFailed({"type": ACME + "dns"}), False),
    (AcmeProblem({"type": ACME + "caa"}), False),
    (AcmeProblem({"type": ACME + "rejectedIdentifier"}), False),
    (AcmeProblem({"type": "casp:notHolder"}), False),
    (AwaitingDns("TXT records not visible yet"), False),
    (ValueError("a bug"), False),
])
def test_only_the_cas_own_failures_fall_back(error: Exception, theirs: bool):
    assert ca_fault(error) is theirs
