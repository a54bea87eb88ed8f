"""pyHanko's ETSI EN 319 102-1 §5.6.3 (LTA) validation of every signature (used by
issuance.rs: python pyhanko_lta.py ROOT.pem FILE.pdf), trusting only the given
root, revocation data only from the document (no fetching); prints one line per
signature."""
import asyncio
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import ades
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec, RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec, SignatureValidationSpec)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, REQUIRE_REVINFO
from pyhanko_certvalidator.registry import SimpleTrustManager

root = load_cert_from_pemder(sys.argv[1])
spec = PdfSignatureValidationSpec(SignatureValidationSpec(
    cert_validation_policy=CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=[root]),
        revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO)),
    revinfo_gathering_policy=RevocationInfoGatheringSpec(
        online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY)))
with open(sys.argv[2], 'rb') as f:
    reader = PdfFileReader(f)
    for sig in reader.embedded_regular_signatures:
        res = asyncio.run(ades.ades_lta_validation(sig, spec))
        process = 'LTA' if isinstance(res, ades.AdESLTAValidationResult) else type(res).__name__
        print(f"{sig.field_name}: {process} {res.ades_subindic} "
              f"best_signature_time={res.best_signature_time.isoformat()} "
              f"oldest_document_timestamp={res.oldest_evidence_record_timestamp}")
