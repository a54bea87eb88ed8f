//! Page images with pdfium (`pdfium-render`, bound at run time to the
//! shared library, DESIGN.md §9): page sizes and attachments of an opened
//! document, and pages rendered to PNG at the width the web view asks for.
//!
//! libpdfium is looked for, in order: in `Options::pdfium_dir` when given,
//! next to the executable (where a bundle puts it), `$KYSO_PDFIUM_DIR`, `$PDFIUM_DYNAMIC_LIB_PATH` (what
//! `scripts/install-deps` exports: the pypdfium2 wheel's directory),
//! `$KYSO_PDFIUM_LIB` (the file itself), then the system's library path
//! (Android loads the bundled `libpdfium.so` this way). pdfium can be bound
//! once per process, so the binding is process-wide.
//!
//! A few documents stay open (least recently used first out), so turning
//! pages does not parse the file again.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use pdfium_render::prelude::{PdfDocument, PdfRenderConfig, Pdfium};

use crate::error::{AppCode, IpcError, Result};
use crate::model::{Attachment, PageSize};

/// Documents kept open.
const KEEP_OPEN: usize = 3;
/// Widest page image, device pixels.
pub const MAX_WIDTH: u32 = 2560;
/// Page images are this many pixels wide, times n.
pub const WIDTH_STEP: u32 = 160;

static PDFIUM: OnceLock<std::result::Result<Pdfium, String>> = OnceLock::new();

/// Where libpdfium is looked for, in order (the system path comes last).
pub fn library_candidates(dir: Option<&Path>) -> Vec<PathBuf> {
    let name = |d: &Path| Pdfium::pdfium_platform_library_name_at_path(d);
    let mut v: Vec<PathBuf> = dir.map(name).into_iter().collect();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        v.push(name(&dir));
    }
    for var in ["KYSO_PDFIUM_DIR", "PDFIUM_DYNAMIC_LIB_PATH"] {
        if let Some(d) = std::env::var_os(var).filter(|d| !d.is_empty()) {
            v.push(name(Path::new(&d)));
        }
    }
    if let Some(f) = std::env::var_os("KYSO_PDFIUM_LIB").filter(|f| !f.is_empty()) {
        v.push(PathBuf::from(f));
    }
    v
}

fn bind(dir: Option<&Path>) -> std::result::Result<Pdfium, String> {
    let mut tried = Vec::new();
    for p in library_candidates(dir) {
        if !p.is_file() {
            tried.push(format!("{} (absent)", p.display()));
            continue;
        }
        match Pdfium::bind_to_library(&p) {
            Ok(b) => return Ok(Pdfium::new(b)),
            Err(e) => tried.push(format!("{}: {e:?}", p.display())),
        }
    }
    match Pdfium::bind_to_system_library() {
        Ok(b) => Ok(Pdfium::new(b)),
        Err(e) => {
            tried.push(format!("the system library path: {e:?}"));
            Err(format!("libpdfium was not found: {}", tried.join("; ")))
        }
    }
}

/// The process's pdfium, or why there is none. pdfium is bound once per
/// process: the first call's `dir` decides.
pub fn pdfium(dir: Option<&Path>) -> std::result::Result<&'static Pdfium, String> {
    PDFIUM
        .get_or_init(|| bind(dir))
        .as_ref()
        .map_err(Clone::clone)
}

/// What `open_document` tells about a PDF.
#[derive(Debug, Clone)]
pub struct Described {
    /// Page sizes, points.
    pub pages: Vec<PageSize>,
    /// Embedded files.
    pub attachments: Vec<Attachment>,
}

/// The open documents (by SHA-256).
pub struct Renderer {
    library_dir: Option<PathBuf>,
    open: Mutex<Vec<(String, PdfDocument<'static>)>>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let open: Vec<String> = self
            .open
            .lock()
            .map(|v| v.iter().map(|(k, _)| k.clone()).collect())
            .unwrap_or_default();
        f.debug_struct("Renderer").field("open", &open).finish()
    }
}

fn bad(e: impl std::fmt::Display) -> IpcError {
    IpcError::app(
        AppCode::BadDocument,
        format!("the PDF cannot be rendered: {e}"),
    )
}

impl Renderer {
    /// A renderer that looks for libpdfium in `library_dir` first.
    pub fn new(library_dir: Option<PathBuf>) -> Self {
        Self {
            library_dir,
            open: Mutex::new(Vec::new()),
        }
    }

    /// Binds pdfium and renders a tiny page once, on a thread of its own,
    /// so the first document a leader opens waits neither for the library
    /// to load nor for its font and render machinery to start. A page
    /// asked for meanwhile waits for the same binding, never for a second.
    pub fn warm_up(&self) {
        let dir = self.library_dir.clone();
        let spawned = std::thread::Builder::new()
            .name("pdfium-warm-up".into())
            .spawn(move || {
                let _span = tracing::info_span!("pdfium_warm_up").entered();
                match pdfium(dir.as_deref()).and_then(warm) {
                    Ok(_) => tracing::debug!("pdfium warmed up"),
                    Err(e) => tracing::debug!(%e, "no pdfium warm-up"),
                }
            });
        if let Err(e) = spawned {
            tracing::debug!(%e, "no pdfium warm-up thread");
        }
    }

    /// The process's pdfium, or why there is none.
    pub fn pdfium(&self) -> std::result::Result<&'static Pdfium, String> {
        pdfium(self.library_dir.as_deref())
    }

    /// Opens `bytes` (whose SHA-256 is `sha`) and describes it. Without
    /// pdfium the description comes from kyso-pdf's reader (no attachments).
    pub fn open(&self, sha: &str, bytes: Vec<u8>) -> Result<Described> {
        let pdfium = match self.pdfium() {
            Ok(p) => p,
            Err(_) => return describe_without_pdfium(&bytes),
        };
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let doc = Self::load(&mut open, pdfium, sha, || Some(bytes))?;
        let pages = doc
            .pages()
            .page_sizes()
            .map_err(bad)?
            .iter()
            .map(|r| PageSize {
                width: r.width().value,
                height: r.height().value,
            })
            .collect();
        let attachments = doc
            .attachments()
            .iter()
            .map(|a| Attachment {
                name: a.name(),
                size: a.len() as u64,
                mime: None,
            })
            .collect();
        Ok(Described { pages, attachments })
    }

    /// Page `page` (1-based) of the document `sha`, `width` pixels wide, as
    /// PNG; `load` gives the bytes when the document is not open any more.
    pub fn render(
        &self,
        sha: &str,
        page: u32,
        width: u32,
        load: impl FnOnce() -> Option<Vec<u8>>,
    ) -> Result<Vec<u8>> {
        check_width(width)?;
        let pdfium = self.pdfium().map_err(|e| {
            IpcError::internal(format!("pages cannot be rendered on this device: {e}"))
        })?;
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let doc = Self::load(&mut open, pdfium, sha, load)?;
        let pages = doc.pages();
        let count = pages.len().max(0) as u32;
        if page == 0 || page > count {
            return Err(IpcError::invalid(format!(
                "page {page} does not exist (the document has {count})"
            )));
        }
        let rendered = tracing::info_span!("render").in_scope(|| {
            let p = pages.get((page - 1) as i32).map_err(bad)?;
            let bitmap = p
                .render_with_config(
                    &PdfRenderConfig::new()
                        .set_target_width(width as i32)
                        .render_form_data(true),
                )
                .map_err(bad)?;
            Ok::<_, IpcError>((
                bitmap.width() as u32,
                bitmap.height() as u32,
                bitmap.as_rgba_bytes(),
            ))
        })?;
        let (w, h, rgba) = rendered;
        tracing::info_span!("png").in_scope(|| encode_png(w, h, &rgba))
    }

    /// The open document `sha`, opened from `load` when it is not; the most
    /// recently used stays last.
    fn load<'v>(
        open: &'v mut Vec<(String, PdfDocument<'static>)>,
        pdfium: &'static Pdfium,
        sha: &str,
        load: impl FnOnce() -> Option<Vec<u8>>,
    ) -> Result<&'v PdfDocument<'static>> {
        if let Some(i) = open.iter().position(|(k, _)| k == sha) {
            let entry = open.remove(i);
            open.push(entry);
        } else {
            let bytes = load().ok_or_else(|| {
                IpcError::app(
                    AppCode::BadDocument,
                    "the document is not open; open it first",
                )
            })?;
            let doc = tracing::info_span!("open", bytes = bytes.len())
                .in_scope(|| pdfium.load_pdf_from_byte_vec(bytes, None))
                .map_err(bad)?;
            open.push((sha.to_string(), doc));
            while open.len() > KEEP_OPEN {
                open.remove(0);
            }
        }
        open.last()
            .map(|(_, d)| d)
            .ok_or_else(|| IpcError::internal("no open document"))
    }

    /// Closes every document (logout).
    pub fn close_all(&self) {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// A page width the web view may ask for: a multiple of 160 up to 2560.
pub fn check_width(width: u32) -> Result<()> {
    if width == 0 || width > MAX_WIDTH || !width.is_multiple_of(WIDTH_STEP) {
        return Err(IpcError::invalid(format!(
            "the width must be a multiple of {WIDTH_STEP} pixels up to {MAX_WIDTH}, not {width}"
        )));
    }
    Ok(())
}

/// RGBA pixels as an RGB PNG (pages are opaque), fast compression: the
/// image crosses IPC once and is shown at once.
fn encode_png(w: u32, h: u32, rgba: &[u8]) -> Result<Vec<u8>> {
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for px in rgba.chunks_exact(4) {
        rgb.extend_from_slice(&px[..3]);
    }
    let mut out = Vec::with_capacity(rgb.len() / 4);
    let png_err = |e: png::EncodingError| IpcError::internal(format!("PNG: {e}"));
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().map_err(png_err)?;
    writer.write_image_data(&rgb).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    Ok(out)
}

/// Page sizes from kyso-pdf's reader (crop box, rotation), for devices
/// without pdfium.
fn describe_without_pdfium(bytes: &[u8]) -> Result<Described> {
    let doc = kyso_pdf::document::Document::open(bytes).map_err(bad)?;
    let pages = doc
        .pages()
        .map_err(bad)?
        .iter()
        .map(|p| {
            let [x0, y0, x1, y1] = p.crop_box;
            let (w, h) = ((x1 - x0).abs() as f32, (y1 - y0).abs() as f32);
            if p.rotate % 180 == 0 {
                PageSize {
                    width: w,
                    height: h,
                }
            } else {
                PageSize {
                    width: h,
                    height: w,
                }
            }
        })
        .collect();
    Ok(Described {
        pages,
        attachments: Vec::new(),
    })
}

/// A one-page PDF with a line of text in a standard font (pdfium rebuilds
/// the cross-reference table it lacks).
const WARM_UP_PDF: &[u8] = b"%PDF-1.4
1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj
2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj
3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] /Resources <</Font <</F1 4 0 R>>>> /Contents 5 0 R>> endobj
4 0 obj <</Type /Font /Subtype /Type1 /BaseFont /Times-Roman>> endobj
5 0 obj <</Length 36>> stream
BT /F1 18 Tf 6 30 Td (Kyso) Tj ET
endstream endobj
trailer <</Root 1 0 R>>
%%EOF
";

/// Opens and renders [`WARM_UP_PDF`] to PNG: its size.
fn warm(pdfium: &Pdfium) -> std::result::Result<(u32, u32), String> {
    let doc = pdfium
        .load_pdf_from_byte_slice(WARM_UP_PDF, None)
        .map_err(|e| e.to_string())?;
    let page = doc.pages().get(0).map_err(|e| e.to_string())?;
    let bitmap = page
        .render_with_config(&PdfRenderConfig::new().set_target_width(WIDTH_STEP as i32))
        .map_err(|e| e.to_string())?;
    let (w, h) = (bitmap.width() as u32, bitmap.height() as u32);
    encode_png(w, h, &bitmap.as_rgba_bytes()).map_err(|e| e.message)?;
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The warm-up does real work: its page opens and renders, with ink.
    #[test]
    fn the_warm_up_page_renders() {
        let pdfium = pdfium(None).expect(
            "libpdfium: scripts/install-deps exports PDFIUM_DYNAMIC_LIB_PATH (source ~/.cache/kyso/env.sh)",
        );
        assert_eq!(warm(pdfium), Ok((160, 160)));
        let doc = pdfium
            .load_pdf_from_byte_slice(WARM_UP_PDF, None)
            .expect("opens");
        let text = doc
            .pages()
            .get(0)
            .expect("page")
            .text()
            .expect("text")
            .all();
        assert_eq!(text.trim(), "Kyso");
    }

    #[test]
    fn widths_are_steps_of_160_up_to_2560() {
        for ok in [160, 320, 1280, 2560] {
            assert!(check_width(ok).is_ok(), "{ok}");
        }
        for bad in [0, 100, 161, 2720, u32::MAX] {
            assert_eq!(
                check_width(bad).map_err(|e| e.code.as_str()),
                Err("invalidArgument"),
                "{bad}"
            );
        }
    }

    #[test]
    fn pngs_are_opaque_rgb() {
        let png = encode_png(2, 1, &[255, 0, 0, 255, 0, 0, 255, 255]).expect("encodes");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG magic");
        let dec = png::Decoder::new(&png[..]);
        let reader = dec.read_info().expect("decodes");
        let info = reader.info();
        assert_eq!((info.width, info.height), (2, 1));
        assert_eq!(info.color_type, png::ColorType::Rgb);
    }
}
