//! Revisions and what each one after a signature changed (DESIGN.md §6).
//!
//! A revision ends at the `startxref N %%EOF` that follows its
//! cross-reference section (`startxref 0`, a linearization placeholder, ends
//! nothing). Each later revision is judged by opening the file cut at the end
//! of the revision before it and at its own end, strictly, and comparing
//! object by object:
//!
//! * every cross-reference entry must point inside its own revision, and
//!   every object written in the revision must be listed (no hidden objects);
//! * every new object must hang off an allowed root: the DSS, a document
//!   timestamp field, and with the multi-signer profile a new signature field
//!   or a previously empty signature field being filled;
//! * every rewritten object must be an allowed transition: the catalog
//!   gaining a DSS, `/Fields` and `/Annots` only growing, the DSS growing,
//!   and with the multi-signer profile the XMP metadata and the appearance
//!   objects of a filled field that nothing else uses. Anything else,
//!   including a byte-identical rewrite, is a modification.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::document::{Document, Entry, ReadOptions};
use crate::object::{Dict, ObjRef, Object};
use crate::parse;
use crate::source::{Prefix, Source};

use super::Profile;
use super::report::Finding;

/// One revision of the file.
#[derive(Debug, Clone)]
pub struct Revision {
    /// First byte of the revision.
    pub start: u64,
    /// One past its last byte (after `%%EOF` and its end-of-line).
    pub end: u64,
    /// Cross-reference entries written in this revision (newest first wins).
    pub entries: BTreeMap<u32, Entry>,
}

/// Splits the document into revisions; returns them oldest first and the
/// number of bytes after the last one.
pub fn split<S: Source>(doc: &Document<S>) -> Result<(Vec<Revision>, u64), Finding> {
    let src = doc.source();
    let secs = doc.sections();
    if secs.is_empty() {
        return Err(Finding::new(
            "unreadable_structure",
            "không đọc được bảng tham chiếu chéo",
            "the cross-reference data cannot be read",
        ));
    }
    let offsets: HashSet<u64> = secs.iter().map(|s| s.offset).collect();
    // Real markers: (end of the marker, the section it follows).
    let mut ends = BTreeSet::new();
    for s in secs {
        if let Some((n, end)) = marker_after(src, s.end)
            && n != 0
        {
            if !offsets.contains(&n) {
                return Err(Finding::new(
                    "unlinked_revision",
                    format!("startxref {n} không trỏ tới bảng tham chiếu nào của tệp"),
                    format!(
                        "startxref {n} does not point at any cross-reference section of the file"
                    ),
                ));
            }
            ends.insert(end);
        }
    }
    if ends.is_empty() {
        return Err(Finding::new(
            "no_eof_marker",
            "không tìm thấy dấu kết thúc %%EOF hợp lệ",
            "no valid startxref/%%EOF marker",
        ));
    }
    let ends: Vec<u64> = ends.into_iter().collect();
    let mut revs: Vec<Revision> = Vec::new();
    let mut start = 0;
    for &end in &ends {
        revs.push(Revision {
            start,
            end,
            entries: BTreeMap::new(),
        });
        start = end;
    }
    // Chain order is newest first; within a revision the newest entry wins.
    let mut last_rev = usize::MAX;
    for s in secs {
        let Some(i) = ends.iter().position(|e| s.offset < *e) else {
            return Err(Finding::new(
                "unlinked_revision",
                "một bảng tham chiếu nằm sau dấu %%EOF cuối cùng",
                "a cross-reference section lies after the last %%EOF",
            ));
        };
        if i > last_rev {
            return Err(Finding::new(
                "revision_order",
                "chuỗi /Prev không đi theo thứ tự các phiên bản",
                "the /Prev chain does not follow the order of revisions",
            ));
        }
        last_rev = i;
        for (num, e) in &s.entries {
            revs[i].entries.entry(*num).or_insert(*e);
        }
    }
    let last_end = *ends.last().unwrap_or(&0);
    Ok((revs, src.len().saturating_sub(last_end)))
}

/// Parses `startxref N %%EOF` (and one end-of-line) right after `at`.
fn marker_after<S: Source>(src: &S, at: u64) -> Option<(u64, u64)> {
    let buf = src.read_range(at, 128).ok()?;
    let mut p = parse::Parser::new(&buf, 2);
    p.skip_ws();
    if !buf[p.pos..].starts_with(b"startxref") {
        return None;
    }
    p.pos += 9;
    let n = p.uint().ok()?;
    while p.pos < buf.len() && parse::is_whitespace(buf[p.pos]) {
        p.pos += 1;
    }
    if !buf[p.pos..].starts_with(b"%%EOF") {
        return None;
    }
    p.pos += 5;
    match (buf.get(p.pos), buf.get(p.pos + 1)) {
        (Some(b'\r'), Some(b'\n')) => p.pos += 2,
        (Some(b'\r' | b'\n'), _) => p.pos += 1,
        _ => {}
    }
    Some((n, at + p.pos as u64))
}

/// A signature field found in the form.
#[derive(Debug, Clone)]
pub struct SigField {
    /// The field (terminal) object, when indirect.
    pub field: Option<ObjRef>,
    /// Fully qualified name.
    pub name: String,
    /// `/V` when it is a reference.
    pub value_ref: Option<ObjRef>,
    /// `/V`, resolved (None when the field is unsigned).
    pub value: Option<Dict>,
    /// Widget annotations of the field.
    pub widgets: Vec<ObjRef>,
}

/// Every signature field reachable from `/AcroForm /Fields`.
pub fn signature_fields<S: Source>(doc: &Document<S>) -> crate::Result<Vec<SigField>> {
    let (_, catalog) = doc.catalog()?;
    let Some(af) = catalog.get("AcroForm") else {
        return Ok(Vec::new());
    };
    let af = match doc.resolve(af)? {
        Object::Dict(d) => d,
        Object::Null => return Ok(Vec::new()),
        _ => {
            return Err(crate::Error::Structure(
                "/AcroForm is not a dictionary".into(),
            ));
        }
    };
    let fields = match af.get("Fields").map(|f| doc.resolve(f)).transpose()? {
        Some(Object::Array(a)) => a,
        _ => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<(Object, String, bool, usize)> = fields
        .into_iter()
        .rev()
        .map(|f| (f, String::new(), false, 0))
        .collect();
    while let Some((node, parent_name, parent_sig, depth)) = stack.pop() {
        if depth > 32 {
            return Err(crate::Error::Limit("form fields nest too deeply".into()));
        }
        let node_ref = node.as_ref();
        if let Some(r) = node_ref
            && !seen.insert(r)
        {
            continue;
        }
        let Object::Dict(d) = doc.resolve(&node)? else {
            continue;
        };
        let part = match d.get("T") {
            Some(Object::String(s)) => s.to_text(),
            _ => String::new(),
        };
        let name = match (parent_name.is_empty(), part.is_empty()) {
            (true, _) => part.clone(),
            (false, true) => parent_name.clone(),
            (false, false) => format!("{parent_name}.{part}"),
        };
        let is_sig = match d.get_name("FT") {
            Some(ft) => ft == b"Sig",
            None => parent_sig,
        };
        let kids = match d.get("Kids").map(|k| doc.resolve(k)).transpose()? {
            Some(Object::Array(a)) => a,
            _ => Vec::new(),
        };
        // Kids with their own /T are fields; kids without are widgets.
        let mut widgets = Vec::new();
        let mut child_fields = Vec::new();
        for k in kids {
            let kd = doc.resolve(&k)?;
            let has_t = kd.as_dict().is_some_and(|x| x.get("T").is_some());
            if has_t {
                child_fields.push(k);
            } else if let Some(r) = k.as_ref() {
                widgets.push(r);
            }
        }
        if child_fields.is_empty() && is_sig {
            if d.get_name("Subtype") == Some(b"Widget")
                && let Some(r) = node_ref
            {
                widgets.push(r);
            }
            let value_ref = d.get("V").and_then(Object::as_ref);
            let value = match d.get("V").map(|v| doc.resolve(v)).transpose()? {
                Some(Object::Dict(v)) => Some(v),
                _ => None,
            };
            out.push(SigField {
                field: node_ref,
                name: name.clone(),
                value_ref,
                value,
                widgets,
            });
        }
        for c in child_fields.into_iter().rev() {
            stack.push((c, name.clone(), is_sig, depth + 1));
        }
    }
    Ok(out)
}

/// What a revision after a signature did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Only DSS and/or document timestamps.
    Ltv,
    /// New or filled signature fields (allowed with the multi-signer profile).
    SignaturesAdded,
    /// Anything else, with what was found.
    Modified(Vec<Finding>),
}

fn find(code: &'static str, vi: String, en: String) -> Finding {
    Finding::new(code, vi, en)
}

/// Judges revision `k` (k ≥ 1) against the one before it.
pub fn judge<S: Source + Copy>(src: S, revs: &[Revision], k: usize, profile: Profile) -> Verdict {
    match judge_inner(src, revs, k, profile) {
        Ok(v) => v,
        Err(e) => Verdict::Modified(vec![find(
            "unreadable_revision",
            format!("không đọc được phiên bản {k}: {e}"),
            format!("revision {k} cannot be read: {e}"),
        )]),
    }
}

fn judge_inner<S: Source + Copy>(
    src: S,
    revs: &[Revision],
    k: usize,
    profile: Profile,
) -> crate::Result<Verdict> {
    let rev = &revs[k];
    let prev = Document::open_with(Prefix::new(src, revs[k - 1].end), ReadOptions::strict())?;
    let cur = Document::open_with(Prefix::new(src, rev.end), ReadOptions::strict())?;
    let mut findings = Vec::new();
    let exists_before = |num: u32| -> bool {
        matches!(
            prev.entries().get(&num),
            Some(Entry::InFile { .. } | Entry::InStream { .. })
        )
    };

    // 1. Cross-reference entries stay inside the revision; nothing is hidden.
    let mut containers = BTreeSet::new();
    for (num, e) in &rev.entries {
        match e {
            Entry::Free => {
                if exists_before(*num) {
                    findings.push(find(
                        "object_deleted",
                        format!("đối tượng {num} bị xóa sau khi ký"),
                        format!("object {num} was deleted after signing"),
                    ));
                }
            }
            Entry::InFile { offset, .. } => {
                if *offset < rev.start || *offset >= rev.end {
                    findings.push(find(
                        "xref_outside_revision",
                        format!("đối tượng {num} trỏ ra ngoài phiên bản của nó (byte {offset})"),
                        format!("object {num} points outside its revision (byte {offset}): a shadow attack"),
                    ));
                }
            }
            Entry::InStream { stream, .. } => {
                containers.insert(*stream);
                if !matches!(rev.entries.get(stream), Some(Entry::InFile { .. })) {
                    findings.push(find(
                        "xref_outside_revision",
                        format!(
                            "đối tượng {num} nằm trong luồng đối tượng {stream} của phiên bản cũ"
                        ),
                        format!(
                            "object {num} lives in object stream {stream} of an older revision"
                        ),
                    ));
                }
            }
        }
    }
    for (num, offset) in object_headers(&src, rev.start, rev.end)? {
        let listed =
            matches!(rev.entries.get(&num), Some(Entry::InFile { offset: o, .. }) if *o == offset);
        if !listed {
            findings.push(find(
                "hidden_object",
                format!("đối tượng {num} tại byte {offset} không có trong bảng tham chiếu"),
                format!("object {num} at byte {offset} is not in the cross-reference section"),
            ));
        }
    }

    // 2. Roots of allowed additions.
    let (_, cur_cat) = cur.catalog()?;
    let (prev_root, prev_cat) = prev.catalog()?;
    let prev_fields = signature_fields(&prev)?;
    let cur_fields = signature_fields(&cur)?;
    let prev_field_ids: HashSet<Option<ObjRef>> = prev_fields.iter().map(|f| f.field).collect();
    let mut allowed: BTreeSet<u32> = BTreeSet::new();
    let mut roots: Vec<Object> = Vec::new();
    let mut signatures_added = false;
    let mut appearance_objects: BTreeSet<u32> = BTreeSet::new();
    if let Some(dss) = cur_cat.get("DSS") {
        roots.push(dss.clone());
    }
    for f in &cur_fields {
        let is_doc_ts = f
            .value
            .as_ref()
            .is_some_and(|v| v.get_name("Type") == Some(b"DocTimeStamp"));
        let new_field = !prev_field_ids.contains(&f.field);
        let was_empty = prev_fields
            .iter()
            .find(|p| p.field == f.field)
            .is_some_and(|p| p.value.is_none() && f.value.is_some());
        if !(new_field || was_empty) {
            continue;
        }
        if !is_doc_ts {
            if profile == Profile::Strict {
                findings.push(find(
                    "signature_added",
                    format!("chữ ký mới \"{}\" được thêm sau khi ký (chỉ chấp nhận với --profile multi)", f.name),
                    format!("a new signature \"{}\" was added after signing (allowed only with --profile multi)", f.name),
                ));
                continue;
            }
            signatures_added = true;
        }
        if let Some(r) = f.field {
            roots.push(Object::Ref(r));
        }
        roots.extend(f.widgets.iter().map(|w| Object::Ref(*w)));
        // Its appearance may reach new objects through unchanged ones.
        appearance_objects.extend(appearance_subtree(&cur, f));
        if let Some(v) = f.value_ref {
            roots.push(Object::Ref(v));
        }
    }
    let in_revision = |num: u32| rev.entries.contains_key(&num);
    reach(&cur, &roots, &in_revision, &mut allowed)?;
    allowed.extend(appearance_objects.into_iter().filter(|n| in_revision(*n)));
    // Signing and LTV applications (Adobe, pyHanko) refresh /Info and the
    // XMP metadata whenever they add something; alone, a metadata change is
    // a modification.
    let metadata_ok = !allowed.is_empty();
    if metadata_ok {
        let meta: Vec<Object> = cur_cat
            .get("Metadata")
            .into_iter()
            .chain(cur.trailer().get("Info"))
            .cloned()
            .collect();
        reach(&cur, &meta, &in_revision, &mut allowed)?;
    }
    // What the document can show: everything reachable from the trailer.
    let mut live = BTreeSet::new();
    let trailer_roots: Vec<Object> = ["Root", "Info"]
        .iter()
        .filter_map(|k| cur.trailer().get(k).cloned())
        .collect();
    // Through every object, old or new: a new annotation hangs off an
    // unchanged page.
    reach(&cur, &trailer_roots, &|_| true, &mut live)?;

    // 3. Every object of the revision is explained.
    let filled: Vec<&SigField> = cur_fields
        .iter()
        .filter(|f| {
            prev_fields
                .iter()
                .any(|p| p.field == f.field && p.value.is_none() && f.value.is_some())
        })
        .collect();
    let prev_dss: BTreeSet<u32> = {
        let mut s = BTreeSet::new();
        if let Some(d) = prev_cat.get("DSS") {
            reach(&prev, std::slice::from_ref(d), &|_| true, &mut s)?;
        }
        s
    };
    // A field being filled must not share its old appearance with anything:
    // everything reachable from the trailer without passing through the
    // field must stay clear of it.
    if !filled.is_empty() {
        let owners: BTreeSet<u32> = filled
            .iter()
            .flat_map(|f| {
                f.widgets
                    .iter()
                    .map(|w| w.num)
                    .chain(f.field.map(|r| r.num))
            })
            .collect();
        let roots: Vec<Object> = prev.trailer().iter().map(|(_, v)| v.clone()).collect();
        let mut elsewhere = BTreeSet::new();
        reach(&prev, &roots, &|n| !owners.contains(&n), &mut elsewhere)?;
        for f in &filled {
            if let Some(n) = appearance_subtree(&prev, f)
                .into_iter()
                .find(|n| elsewhere.contains(n))
            {
                findings.push(find(
                    "shared_appearance",
                    format!("hình hiển thị của trường \"{}\" (đối tượng {n}) được dùng chung với nội dung khác", f.name),
                    format!("the appearance of field \"{}\" (object {n}) is shared with other content", f.name),
                ));
            }
        }
    }
    let ctx = Ctx {
        prev: &prev,
        cur: &cur,
        allowed: &allowed,
        metadata_ok,
        filled: &filled,
        prev_cat: &prev_cat,
        profile,
    };
    let mut explained: BTreeSet<u32> = BTreeSet::new();
    let mut fresh = Vec::new();
    for (num, e) in &rev.entries {
        let num = *num;
        if matches!(e, Entry::Free) || containers.contains(&num) {
            continue;
        }
        let r = ObjRef::new(num, 0);
        let new_obj = cur.get(r).unwrap_or(Object::Null);
        if matches!(&new_obj, Object::Stream(s) if s.dict.get_name("Type") == Some(b"XRef")) {
            continue;
        }
        if !exists_before(num) {
            fresh.push(num);
            continue;
        }
        let old_obj = prev.get(r).unwrap_or(Object::Null);
        let verdict = if r.num == prev_root.num {
            diff_catalog(&ctx, &prev_cat, &cur_cat, &mut explained)
        } else if prev_dss.contains(&num)
            || (metadata_ok && prev.trailer().get("Info").and_then(Object::as_ref) == Some(r))
        {
            // The DSS may grow; /Info may be refreshed beside an addition.
            Ok(())
        } else {
            diff_other(&ctx, num, &old_obj, &new_obj, &mut explained)
        };
        if let Err(why) = verdict {
            findings.push(why);
        }
    }
    for num in fresh {
        // An object nothing refers to cannot change what is shown.
        if !allowed.contains(&num) && !explained.contains(&num) && live.contains(&num) {
            findings.push(find(
                "unexplained_object",
                format!("đối tượng mới {num} không thuộc chữ ký hay dữ liệu kiểm tra dài hạn"),
                format!("new object {num} belongs to no signature or long-term validation data"),
            ));
        }
    }
    // 4. Signatures of the earlier revision stay as they were.
    for p in &prev_fields {
        if let Some(v) = p.value_ref
            && rev.entries.contains_key(&v.num)
        {
            findings.push(find(
                "signature_changed",
                format!("từ điển chữ ký của trường \"{}\" bị ghi đè", p.name),
                format!(
                    "the signature dictionary of field \"{}\" was rewritten",
                    p.name
                ),
            ));
        }
        if p.value.is_some()
            && !cur_fields
                .iter()
                .any(|c| c.field == p.field && c.value_ref == p.value_ref)
        {
            findings.push(find(
                "signature_removed",
                format!("chữ ký \"{}\" bị gỡ khỏi biểu mẫu", p.name),
                format!("signature \"{}\" was removed from the form", p.name),
            ));
        }
    }
    Ok(if !findings.is_empty() {
        Verdict::Modified(findings)
    } else if signatures_added {
        Verdict::SignaturesAdded
    } else {
        Verdict::Ltv
    })
}

/// Collects object numbers reachable from `roots` through objects that
/// `follow` admits.
fn reach<S: Source>(
    doc: &Document<S>,
    roots: &[Object],
    follow: &dyn Fn(u32) -> bool,
    out: &mut BTreeSet<u32>,
) -> crate::Result<()> {
    let mut stack: Vec<Object> = roots.to_vec();
    let mut budget = 200_000usize;
    while let Some(o) = stack.pop() {
        budget = budget
            .checked_sub(1)
            .ok_or_else(|| crate::Error::Limit("too many objects to analyse".into()))?;
        match o {
            Object::Ref(r) if follow(r.num) && out.insert(r.num) => stack.push(doc.get(r)?),
            Object::Array(a) => stack.extend(a),
            Object::Dict(d) => stack.extend(d.iter().map(|(_, v)| v.clone())),
            Object::Stream(s) => stack.extend(s.dict.iter().map(|(_, v)| v.clone())),
            _ => {}
        }
    }
    Ok(())
}

/// Offsets of `num gen obj` headers within `start..end`.
fn object_headers<S: Source>(src: &S, start: u64, end: u64) -> crate::Result<Vec<(u32, u64)>> {
    let len = (end - start) as usize;
    if len > 64 * 1024 * 1024 {
        return Err(crate::Error::Limit(
            "a revision is too large to analyse".into(),
        ));
    }
    let buf = src.read_range(start, len)?;
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = parse::find(&buf[i..], b"obj") {
        let kw = i + k;
        i = kw + 3;
        if let Some((num, at)) = parse::object_header_before(&buf, kw) {
            out.push((num, start + at as u64));
        }
    }
    Ok(out)
}

/// The two document states a revision is judged between.
struct Ctx<'a, S: Source> {
    prev: &'a Document<S>,
    cur: &'a Document<S>,
    /// New objects of allowed signatures, timestamps and the DSS.
    allowed: &'a BTreeSet<u32>,
    /// Whether the revision adds something allowed, so that metadata may be refreshed.
    metadata_ok: bool,
    filled: &'a [&'a SigField],
    prev_cat: &'a Dict,
    profile: Profile,
}

impl<S: Source> Ctx<'_, S> {
    /// An array (direct or indirect) that only grew, old elements first. A
    /// new indirect array that does so is recorded as explained.
    fn grows(&self, a: Option<&Object>, b: Option<&Object>, explained: &mut BTreeSet<u32>) -> bool {
        let old = match a.map(|x| self.prev.resolve(x)) {
            None => Some(Vec::new()),
            Some(Ok(Object::Array(v))) => Some(v),
            Some(Ok(Object::Null)) => Some(Vec::new()),
            _ => None,
        };
        let new = match b.map(|x| self.cur.resolve(x)) {
            Some(Ok(Object::Array(v))) => Some(v),
            _ => None,
        };
        let (Some(old), Some(new)) = (old, new) else {
            return false;
        };
        // Strictly grown (a rewrite that adds nothing is a modification),
        // and only by objects of an allowed signature or timestamp.
        let ok = new.len() > old.len()
            && new[..old.len()] == old[..]
            && new[old.len()..]
                .iter()
                .all(|x| x.as_ref().is_some_and(|r| self.allowed.contains(&r.num)));
        if ok
            && let Some(r) = b.and_then(Object::as_ref)
            && a.and_then(Object::as_ref) != Some(r)
        {
            explained.insert(r.num);
        }
        ok
    }
}

fn changed(what_vi: &str, what_en: &str, num: u32) -> Finding {
    find(
        "modified_after_signing",
        format!("{what_vi} (đối tượng {num}) bị thay đổi sau khi ký"),
        format!("{what_en} (object {num}) was changed after signing"),
    )
}

/// The catalog may gain a DSS (and PAdES extensions); an inline AcroForm may
/// only grow its fields.
fn diff_catalog<S: Source>(
    ctx: &Ctx<'_, S>,
    old: &Dict,
    new: &Dict,
    explained: &mut BTreeSet<u32>,
) -> Result<(), Finding> {
    // Writers re-emit the root by habit when they add something (Adobe
    // Reader does when it signs); alone, an unchanged rewrite is a modification.
    if old == new && ctx.allowed.is_empty() {
        return Err(find(
            "rewritten_unchanged",
            "danh mục tài liệu được ghi lại nguyên vẹn sau khi ký".into(),
            "the document catalog was rewritten unchanged after signing".into(),
        ));
    }
    let keys: BTreeSet<Vec<u8>> = old
        .iter()
        .chain(new.iter())
        .map(|(k, _)| k.0.clone())
        .collect();
    for k in keys {
        let key = String::from_utf8_lossy(&k).into_owned();
        let (a, b) = (old.get(&key), new.get(&key));
        if a == b {
            continue;
        }
        let ok = match key.as_str() {
            "DSS" | "Extensions" => true,
            "AcroForm" => match (
                a.map(|x| ctx.prev.resolve(x)),
                b.map(|x| ctx.cur.resolve(x)),
            ) {
                (None, Some(Ok(Object::Dict(n)))) => {
                    let ok = ctx.only_fields(&Dict::new(), &n, explained);
                    if ok && let Some(r) = b.and_then(Object::as_ref) {
                        explained.insert(r.num);
                    }
                    ok
                }
                (Some(Ok(Object::Dict(o))), Some(Ok(Object::Dict(n)))) => {
                    ctx.only_fields(&o, &n, explained)
                }
                _ => false,
            },
            "Metadata" => ctx.metadata_ok,
            _ => false,
        };
        if !ok {
            return Err(find(
                "modified_after_signing",
                format!("danh mục tài liệu bị thay đổi sau khi ký (khóa /{key})"),
                format!("the document catalog was changed after signing (key /{key})"),
            ));
        }
    }
    Ok(())
}

impl<S: Source> Ctx<'_, S> {
    /// An AcroForm that changed only by growing its fields (and, for the
    /// multi-signer profile, its default resources).
    fn only_fields(&self, old: &Dict, new: &Dict, explained: &mut BTreeSet<u32>) -> bool {
        if old == new {
            // Re-emitted unchanged: tolerated only beside an allowed addition.
            return !self.allowed.is_empty();
        }
        let keys: BTreeSet<Vec<u8>> = old
            .iter()
            .chain(new.iter())
            .map(|(k, _)| k.0.clone())
            .collect();
        keys.into_iter().all(|k| {
            let key = String::from_utf8_lossy(&k).into_owned();
            let (a, b) = (old.get(&key), new.get(&key));
            a == b
                || match key.as_str() {
                    "Fields" => self.grows(a, b, explained),
                    "SigFlags" => true,
                    "DR" | "DA" => self.profile == Profile::Multi,
                    _ => false,
                }
        })
    }
}

fn diff_other<S: Source>(
    ctx: &Ctx<'_, S>,
    num: u32,
    old: &Object,
    new: &Object,
    explained: &mut BTreeSet<u32>,
) -> Result<(), Finding> {
    let (prev, cur, filled, prev_cat, profile) =
        (ctx.prev, ctx.cur, ctx.filled, ctx.prev_cat, ctx.profile);
    // An AcroForm dictionary that only grew its fields.
    if let (Object::Dict(o), Object::Dict(n)) = (old, new)
        && is_acroform(cur, num)
    {
        return if ctx.only_fields(o, n, explained) {
            Ok(())
        } else {
            Err(changed("biểu mẫu", "the form", num))
        };
    }
    // Arrays (Fields, Annots, Kids of a field) may only grow.
    if let (Object::Array(_), Object::Array(_)) = (old, new) {
        return if ctx.grows(Some(old), Some(new), explained) {
            Ok(())
        } else {
            Err(changed("mảng", "an array", num))
        };
    }
    // A page may only gain widgets.
    if let (Object::Dict(o), Object::Dict(n)) = (old, new)
        && o.get_name("Type") == Some(b"Page")
    {
        return if differs_only_in(o, n, &["Annots"])
            && ctx.grows(o.get("Annots"), n.get("Annots"), explained)
        {
            Ok(())
        } else {
            Err(changed("trang", "a page", num))
        };
    }
    // XMP metadata refreshed beside an allowed addition.
    if ctx.metadata_ok
        && prev_cat
            .get("Metadata")
            .and_then(Object::as_ref)
            .map(|r| r.num)
            == Some(num)
    {
        return Ok(());
    }
    if profile == Profile::Multi {
        // A signature field being filled: /V (and its appearance) added.
        if let Some(f) = filled
            .iter()
            .find(|f| f.field.map(|r| r.num) == Some(num) || f.widgets.iter().any(|w| w.num == num))
            && let (Object::Dict(o), Object::Dict(n)) = (old, new)
        {
            let _ = f;
            return if differs_only_in(o, n, &["V", "AP", "F", "Lock", "SV", "MK"]) {
                Ok(())
            } else {
                Err(changed("trường chữ ký", "a signature field", num))
            };
        }
        // An appearance object of a field being filled (its sharing was
        // checked for the whole revision).
        if filled.iter().any(|f| owns_appearance(prev, f, num)) {
            return Ok(());
        }
    }
    let _ = (cur, prev_cat);
    Err(changed("nội dung", "content", num))
}

fn is_acroform<S: Source>(doc: &Document<S>, num: u32) -> bool {
    doc.catalog()
        .ok()
        .and_then(|(_, c)| c.get("AcroForm").and_then(Object::as_ref))
        .is_some_and(|r| r.num == num)
}

fn differs_only_in(a: &Dict, b: &Dict, allowed: &[&str]) -> bool {
    let keys: BTreeSet<Vec<u8>> = a.iter().chain(b.iter()).map(|(k, _)| k.0.clone()).collect();
    keys.into_iter().all(|k| {
        let key = String::from_utf8_lossy(&k).into_owned();
        a.get(&key) == b.get(&key) || allowed.contains(&key.as_str())
    })
}

/// Objects of the field's appearance in the earlier revision.
fn appearance_subtree<S: Source>(prev: &Document<S>, f: &SigField) -> BTreeSet<u32> {
    let mut roots = Vec::new();
    for w in f.widgets.iter().copied().chain(f.field) {
        if let Ok(Object::Dict(d)) = prev.get(w)
            && let Some(ap) = d.get("AP")
        {
            roots.push(ap.clone());
        }
    }
    let mut out = BTreeSet::new();
    let _ = reach(prev, &roots, &|_| true, &mut out);
    out
}

fn owns_appearance<S: Source>(prev: &Document<S>, f: &SigField, num: u32) -> bool {
    appearance_subtree(prev, f).contains(&num)
}
