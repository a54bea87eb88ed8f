"""pyHanko validating every signature of a PDF with revocation checking
required and online fetching allowed, no revocation data handed to it (used by
issuance.rs: python pyhanko_fetch.py ROOT.pem FILE.pdf): only ROOT is trusted,
and the document's own DSS is not given to the validation context, so pyHanko
must follow each certificate's CRL distribution point (the gateway's
/api/v1/ca/crl) itself. Prints one line per signature, then the CRLs fetched;
exits 1 when a signature is not valid and trusted."""
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

root = load_cert_from_pemder(sys.argv[1])
vc = ValidationContext(trust_roots=[root], allow_fetching=True,
                       revocation_mode='require')
ok = True
with open(sys.argv[2], 'rb') as f:
    reader = PdfFileReader(f)
    for sig in reader.embedded_regular_signatures:
        st = validate_pdf_signature(sig, signer_validation_context=vc,
                                    ts_validation_context=vc)
        good = st.bottom_line and st.trusted and st.intact
        ok = ok and good
        print(f"{sig.field_name}: {st.summary()} valid={good} "
              f"revocation_checked=require fetching_allowed={vc.fetching_allowed}")
for c in vc.crls:
    tbs = c['tbs_cert_list']
    print(f"fetched CRL: issuer={tbs['issuer'].human_friendly} "
          f"this_update={tbs['this_update'].native.isoformat()} "
          f"revoked={len(tbs['revoked_certificates'] or [])}")
sys.exit(0 if ok else 1)
