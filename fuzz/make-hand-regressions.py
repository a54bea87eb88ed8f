#!/usr/bin/env python3
"""Writes the hand-made malformed PDFs of crates/kyso-pdf/tests/fuzz-regressions/.

usage: fuzz/make-hand-regressions.py [OUT_DIR]
(default: crates/kyso-pdf/tests/fuzz-regressions next to this script's parent)

Each file is tiny (the flate bomb excepted: ~16 KiB that inflate to 16 MiB) and
deterministic. They are checked by crates/kyso-pdf/tests/fuzz_regressions.rs
together with the minimised fuzzer findings (TARGET-HASH.pdf). Standard library only.
"""

import os
import sys
import zlib

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def classic(objs, trailer_extra=b"", root=1, header=HEADER):
    """A PDF with one classic xref table. objs: {num: body bytes}."""
    out = bytearray(header)
    offsets = {}
    for num in sorted(objs):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objs[num] + b"\nendobj\n"
    size = max(objs) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for n in range(1, size):
        if n in offsets:
            out += b"%010d 00000 n \n" % offsets[n]
        else:
            out += b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        root,
        trailer_extra,
        xref,
    )
    return bytes(out)


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"


def length_selfref():
    # /Length refers to the stream object itself; the catalog also points at it.
    return classic(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>",
            2: PAGES,
            3: PAGE,
            4: b"<< /Length 4 0 R >>\nstream\nBT ET\nendstream",
        }
    )


def length_cycle():
    # /Length 5 0 R whose object 5 is a stream whose /Length is 4 0 R.
    return classic(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R /X 5 0 R >>",
            2: PAGES,
            3: PAGE,
            4: b"<< /Length 5 0 R >>\nstream\nBT ET\nendstream",
            5: b"<< /Length 4 0 R >>\nstream\n12\nendstream",
        }
    )


def prev_loop():
    # Two xref sections whose /Prev point at each other (and a third at itself).
    body = bytearray(HEADER)
    offs = {}
    for num, o in [(1, CATALOG), (2, PAGES), (3, PAGE), (4, b"<< /Length 0 >>\nstream\n\nendstream")]:
        offs[num] = len(body)
        body += b"%d 0 obj\n" % num + o + b"\nendobj\n"

    def section(first, nums, prev):
        s = b"xref\n%d %d\n" % (first, len(nums))
        for n in nums:
            s += b"%010d 00000 n \n" % offs[n]
        return s + b"trailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\n" % prev

    # section A (objects 1-2) at a, section B (objects 3-4) at b; A.Prev=b, B.Prev=a.
    # The offsets have a fixed width so they can be computed before writing.
    a = len(body)
    a_len = len(section(1, [1, 2], 10**9))
    b = a + a_len
    body += section(1, [1, 2], b).ljust(a_len, b" ")
    body += section(3, [3, 4], a)
    c = len(body)
    body += b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\n" % a
    body += b"startxref\n%d\n%%%%EOF\n" % c
    # and a final section that is its own /Prev
    d = len(body)
    body += b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\n" % d
    body += b"startxref\n%d\n%%%%EOF\n" % d
    return bytes(body)


def deep_arrays(depth=10000):
    deep = b"[" * depth + b"]" * depth
    return classic({1: b"<< /Type /Catalog /Pages 2 0 R /Deep 5 0 R >>", 2: PAGES, 3: PAGE,
                    4: b"<< /Length 0 >>\nstream\n\nendstream", 5: deep})


def deep_catalog(depth=10000):
    # The nesting sits in the catalog itself, which every reader parses.
    deep = b"[" * depth + b"]" * depth
    return classic({1: b"<< /Type /Catalog /Pages 2 0 R /Deep " + deep + b" >>", 2: PAGES, 3: PAGE,
                    4: b"<< /Length 0 >>\nstream\n\nendstream"})


def deep_trailer(depth=10000):
    deep = b"<< /A " * depth + b"null" + b" >>" * depth
    return classic({1: CATALOG, 2: PAGES, 3: PAGE, 4: b"<< /Length 0 >>\nstream\n\nendstream"},
                   trailer_extra=b"/Deep " + deep + b" ")


def xref_stream(data, dict_extra, objs, xref_num):
    """A PDF whose only xref is a stream object `xref_num` with raw `data`."""
    out = bytearray(HEADER)
    for num in sorted(objs):
        out += b"%d 0 obj\n" % num + objs[num] + b"\nendobj\n"
    x = len(out)
    out += b"%d 0 obj\n<< /Type /XRef /Root 1 0 R /Length %d %s>>\nstream\n" % (
        xref_num, len(data), dict_extra)
    out += data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % x
    return bytes(out)


def xref_stream_length_selfref():
    # The xref stream's /Length is an indirect reference to the xref stream itself.
    data = b"".join(bytes([t]) + f.to_bytes(2, "big") + bytes([g]) for t, f, g in
                    [(0, 0, 255), (1, 15, 0), (1, 0, 0)])
    out = bytearray(HEADER)
    out += b"1 0 obj\n" + b"<< /Type /Catalog /Pages 1 0 R >>" + b"\nendobj\n"
    x = len(out)
    out += b"2 0 obj\n<< /Type /XRef /Root 1 0 R /Size 3 /W [1 2 1] /Length 2 0 R >>\nstream\n"
    out += data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % x
    return bytes(out)


def xref_huge_index():
    # /W [8 8 8] with an /Index claiming 2^32-1 entries from 24 bytes of data.
    data = bytes(24)
    return xref_stream(data, b"/W [8 8 8] /Size 4294967295 /Index [0 4294967295] ",
                       {1: CATALOG}, 9)


def xref_bad_w():
    # Field widths that overflow a u64 / are negative, and a /Size of -1.
    data = bytes(64)
    return xref_stream(data, b"/W [1 -1 99] /Size -1 /Index [18446744073709551615 2] ", {1: CATALOG}, 2)


def xref_predictor_zero_columns():
    # PNG predictor with /Columns 0 (division by the row width).
    data = zlib.compress(bytes(40))
    return xref_stream(
        data,
        b"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 0 >> /W [1 2 1] /Size 3 ",
        {1: CATALOG},
        2,
    )


def objstm_flate_bomb():
    # An object stream holding the catalog, padded to 16 MiB of spaces: ~1000:1.
    inner = b"1 0 "
    payload = b"<< /Type /Catalog /Pages 2 0 R >>" + b" " * (16 * 1024 * 1024)
    # The decoded data is the "num offset" header, then the objects from /First on.
    comp = zlib.compress(inner + payload, 9)
    objstm = b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(inner), len(comp))
    out = bytearray(HEADER)
    off = {}
    off[5] = len(out)
    out += b"5 0 obj\n" + objstm + comp + b"\nendstream\nendobj\n"
    off[2] = len(out)
    out += b"2 0 obj\n" + PAGES + b"\nendobj\n"
    off[3] = len(out)
    out += b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\n"
    x = len(out)
    rows = [(0, 0, 0xFFFF), (2, 5, 0), (1, off[2], 0), (1, off[3], 0), (0, 0, 0), (1, off[5], 0), (1, x, 0)]
    data = b"".join(bytes([t]) + f.to_bytes(4, "big") + g.to_bytes(2, "big") for t, f, g in rows)
    out += b"6 0 obj\n<< /Type /XRef /Root 1 0 R /Size 7 /W [1 4 2] /Length %d >>\nstream\n" % len(data)
    out += data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % x
    return bytes(out)


def kids_loop():
    # A page tree whose /Kids contains itself, and a page whose /Parent loops.
    return classic(
        {
            1: CATALOG,
            2: b"<< /Type /Pages /Kids [2 0 R 3 0 R 2 0 R] /Count 3 >>",
            3: b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>",
        }
    )


def bogus_signature():
    # A signature field whose /ByteRange is absurd and whose /Contents is not DER.
    return classic(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] /SigFlags 3 >> >>",
            2: PAGES,
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [5 0 R] >>",
            5: b"<< /FT /Sig /T (Sig1) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R "
            b"/V 6 0 R >>",
            6: b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached "
            b"/ByteRange [0 18446744073709551615 -5 99999999999] "
            b"/Contents <3080020101a0800680> >>",
        }
    )


def absurd_byterange():
    # A parseable but absurd /ByteRange (past the end, negative, overlapping).
    return classic(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] /SigFlags 3 >> >>",
            2: PAGES,
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [5 0 R] >>",
            5: b"<< /FT /Sig /T (Sig1) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R "
            b"/V 6 0 R >>",
            6: b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached "
            b"/ByteRange [0 4294967296 -5 9223372036854775807] "
            b"/Contents <" + b"00" * 64 + b"> >>",
        }
    )


def overlapping_byterange():
    # /ByteRange ranges that overlap and cover the /Contents; /Contents is a BER
    # indefinite-length SEQUENCE that never ends.
    return classic(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] /SigFlags 3 >> >>",
            2: PAGES,
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [5 0 R] >>",
            5: b"<< /FT /Sig /T (Sig1) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R "
            b"/V 6 0 R >>",
            6: b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached "
            b"/ByteRange [0 300 100 300] "
            b"/Contents <" + b"3080" * 200 + b"> >>",
        }
    )


def signature_selfref():
    # /V points at the field itself, /ByteRange is an indirect reference to itself.
    return classic(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] >> >>",
            2: PAGES,
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            5: b"<< /FT /Sig /T (S) /V 5 0 R /ByteRange 6 0 R /Contents 6 0 R /Kids [5 0 R] >>",
            6: b"6 0 R",
        }
    )


FILES = {
    "hand-length-selfref.pdf": length_selfref,
    "hand-length-cycle.pdf": length_cycle,
    "hand-prev-loop.pdf": prev_loop,
    "hand-deep-arrays.pdf": deep_arrays,
    "hand-deep-catalog.pdf": deep_catalog,
    "hand-deep-trailer.pdf": deep_trailer,
    "hand-xref-stream-length-selfref.pdf": xref_stream_length_selfref,
    "hand-xref-huge-index.pdf": xref_huge_index,
    "hand-xref-bad-w.pdf": xref_bad_w,
    "hand-xref-predictor-zero-columns.pdf": xref_predictor_zero_columns,
    "hand-objstm-flate-bomb.pdf": objstm_flate_bomb,
    "hand-kids-loop.pdf": kids_loop,
    "hand-bogus-signature.pdf": bogus_signature,
    "hand-absurd-byterange.pdf": absurd_byterange,
    "hand-overlapping-byterange.pdf": overlapping_byterange,
    "hand-signature-selfref.pdf": signature_selfref,
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "crates", "kyso-pdf", "tests", "fuzz-regressions")
    os.makedirs(out, exist_ok=True)
    for name, make in FILES.items():
        data = make()
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
