//! PNG decoding for PDF image XObjects.
//!
//! [`decode_png`] turns any PNG (grayscale, grayscale+alpha, RGB, RGBA, indexed with or without
//! `tRNS`, 1/2/4/8/16 bits per sample, interlaced or not) into what a PDF image XObject needs:
//!
//! * a colour plane with 8 bits per component, interleaved, without alpha
//!   ([`DecodedImage::pixels`], `/ColorSpace /DeviceRGB` or `/DeviceGray`, `/BitsPerComponent 8`);
//! * an optional 8-bit alpha plane ([`DecodedImage::alpha`]) to be written as a separate
//!   `/SMask` image XObject (`/ColorSpace /DeviceGray`, `/BitsPerComponent 8`);
//! * the physical resolution from the `pHYs` chunk, so that a scanned seal can be placed at its
//!   real size ([`DecodedImage::size_mm`]).
//!
//! Both planes are raw samples; the caller compresses them (e.g. `/FlateDecode`).
//! Gamma, `iCCP`, `sRGB` and `cHRM` chunks are ignored: samples are passed through unchanged and
//! treated as sRGB / device gray. For an animated PNG only the default image is decoded.
//!
//! Malformed, truncated or oversized input produces an [`ImageError`], never a panic, and the
//! size limits in [`ImageLimits`] are checked before the pixel buffer is allocated.

use std::io::Cursor;

/// The eight-byte signature every PNG file starts with.
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// The final chunk of every complete PNG file: length 0, type `IEND`, CRC.
const PNG_IEND_CHUNK: [u8; 12] = [
    0x00, 0x00, 0x00, 0x00, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82,
];

/// Memory the `png` decoder may use for its own buffers (chunk data, text, ICC profile).
const PNG_DECODER_MEMORY_LIMIT: usize = 64 * 1024 * 1024;

/// Errors produced while decoding a PNG image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The input does not start with the PNG signature.
    #[error("the image is not a PNG file (missing PNG signature)")]
    NotPng,
    /// The input ends before the image is complete.
    #[error("the PNG file is truncated")]
    Truncated,
    /// The input file is larger than [`ImageLimits::max_bytes`].
    #[error("the PNG file is {len} bytes long, more than the allowed {max} bytes")]
    InputTooLarge {
        /// Length of the input in bytes.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The image dimensions exceed [`ImageLimits::max_width`] or [`ImageLimits::max_height`].
    #[error(
        "the PNG image is {width}x{height} pixels, more than the allowed {max_width}x{max_height}"
    )]
    DimensionsTooLarge {
        /// Width of the image in pixels.
        width: u32,
        /// Height of the image in pixels.
        height: u32,
        /// The configured maximum width.
        max_width: u32,
        /// The configured maximum height.
        max_height: u32,
    },
    /// The PNG data is invalid (bad chunk, bad checksum, corrupt compressed data, ...).
    #[error("the PNG file is malformed: {0}")]
    Malformed(String),
    /// The PNG is valid but uses a feature this decoder cannot turn into a PDF image.
    #[error("unsupported PNG image: {0}")]
    Unsupported(String),
}

/// Limits applied by [`decode_png`] before any large allocation happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Maximum image width in pixels.
    pub max_width: u32,
    /// Maximum image height in pixels.
    pub max_height: u32,
    /// Maximum size of the PNG file itself, in bytes.
    pub max_bytes: usize,
}

impl Default for ImageLimits {
    /// 4096 x 4096 pixels and 16 MiB of PNG input.
    fn default() -> Self {
        Self {
            max_width: 4096,
            max_height: 4096,
            max_bytes: 16 * 1024 * 1024,
        }
    }
}

/// Colour model of [`DecodedImage::pixels`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColorKind {
    /// Three components per pixel (red, green, blue): PDF `/DeviceRGB`.
    Rgb,
    /// One component per pixel: PDF `/DeviceGray`.
    Gray,
}

impl ColorKind {
    /// Number of 8-bit components per pixel (3 for RGB, 1 for gray).
    pub fn channels(self) -> usize {
        match self {
            ColorKind::Rgb => 3,
            ColorKind::Gray => 1,
        }
    }

    /// The PDF colour space name for this colour model, without the leading slash
    /// (`DeviceRGB` or `DeviceGray`).
    pub fn pdf_color_space(self) -> &'static str {
        match self {
            ColorKind::Rgb => "DeviceRGB",
            ColorKind::Gray => "DeviceGray",
        }
    }
}

/// A decoded PNG image, split into a colour plane and an optional alpha plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Colour model of [`Self::pixels`].
    pub color: ColorKind,
    /// Colour samples, 8 bits per component, interleaved, rows top to bottom, no alpha:
    /// `width * height * color.channels()` bytes.
    pub pixels: Vec<u8>,
    /// 8-bit alpha plane (`width * height` bytes, 0 = transparent, 255 = opaque) when the PNG has
    /// transparency (an alpha channel or a `tRNS` chunk) and at least one pixel is not fully
    /// opaque; `None` otherwise.
    pub alpha: Option<Vec<u8>>,
    /// Horizontal and vertical pixels per metre from the `pHYs` chunk, only when its unit is the
    /// metre (an aspect-ratio-only `pHYs` gives `None`).
    pub pixels_per_metre: Option<(u32, u32)>,
}

impl DecodedImage {
    /// Physical size `(width, height)` in millimetres, derived from the `pHYs` chunk.
    ///
    /// Returns `None` when the PNG has no `pHYs` chunk in metres, or when a resolution is zero.
    pub fn size_mm(&self) -> Option<(f32, f32)> {
        let (x_ppm, y_ppm) = self.pixels_per_metre?;
        if x_ppm == 0 || y_ppm == 0 {
            return None;
        }
        let width = f64::from(self.width) * 1000.0 / f64::from(x_ppm);
        let height = f64::from(self.height) * 1000.0 / f64::from(y_ppm);
        // Narrowing to f32 is intended: millimetres need far less precision than f32 offers.
        Some((width as f32, height as f32))
    }
}

/// Decodes a PNG file into 8-bit colour and alpha planes ready for a PDF image XObject.
///
/// Palette images are expanded to RGB, sub-byte grayscale to 8 bits, 16-bit samples are reduced
/// to 8 bits (high byte), interlaced images are de-interlaced and `tRNS` transparency becomes an
/// alpha plane. The input length and the image dimensions are checked against `limits` before
/// the pixel buffer is allocated.
///
/// # Errors
///
/// [`ImageError::NotPng`] for input without the PNG signature, [`ImageError::InputTooLarge`] and
/// [`ImageError::DimensionsTooLarge`] when a limit is exceeded, [`ImageError::Truncated`] when
/// the file ends early, [`ImageError::Malformed`] for any other decoding failure.
pub fn decode_png(bytes: &[u8], limits: ImageLimits) -> Result<DecodedImage, ImageError> {
    if bytes.len() > limits.max_bytes {
        return Err(ImageError::InputTooLarge {
            len: bytes.len(),
            max: limits.max_bytes,
        });
    }
    if !bytes.starts_with(&PNG_SIGNATURE) {
        return Err(ImageError::NotPng);
    }
    decode_png_inner(bytes, limits).map_err(|error| match error {
        DecodeFailure::Image(error) => error,
        DecodeFailure::Png(error) => png_error(bytes, error),
    })
}

/// Failure inside [`decode_png_inner`]: either already classified, or a raw `png` error.
enum DecodeFailure {
    Image(ImageError),
    Png(png::DecodingError),
}

impl From<png::DecodingError> for DecodeFailure {
    fn from(error: png::DecodingError) -> Self {
        DecodeFailure::Png(error)
    }
}

impl From<ImageError> for DecodeFailure {
    fn from(error: ImageError) -> Self {
        DecodeFailure::Image(error)
    }
}

/// Maps a `png` error to an [`ImageError`], recognising truncated files.
fn png_error(bytes: &[u8], error: png::DecodingError) -> ImageError {
    match error {
        png::DecodingError::LimitsExceeded => ImageError::Unsupported(
            "the PNG needs more decoder memory than allowed (too many or too large chunks)"
                .to_owned(),
        ),
        png::DecodingError::IoError(ref io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImageError::Truncated
        }
        // A file that fails to decode and does not end with the IEND chunk was almost certainly
        // cut short (the decoder reports this in several ways depending on where the cut is).
        _ if !bytes.ends_with(&PNG_IEND_CHUNK) => ImageError::Truncated,
        other => ImageError::Malformed(other.to_string()),
    }
}

fn decode_png_inner(bytes: &[u8], limits: ImageLimits) -> Result<DecodedImage, DecodeFailure> {
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: PNG_DECODER_MEMORY_LIMIT,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    decoder.set_ignore_text_chunk(true);
    let mut reader = decoder.read_info()?;

    let (width, height, pixels_per_metre) = {
        let info = reader.info();
        let pixels_per_metre = info
            .pixel_dims
            .filter(|dims| dims.unit == png::Unit::Meter)
            .map(|dims| (dims.xppu, dims.yppu));
        (info.width, info.height, pixels_per_metre)
    };
    if width > limits.max_width || height > limits.max_height {
        return Err(ImageError::DimensionsTooLarge {
            width,
            height,
            max_width: limits.max_width,
            max_height: limits.max_height,
        }
        .into());
    }
    if width == 0 || height == 0 {
        return Err(ImageError::Malformed("the image has a zero dimension".to_owned()).into());
    }

    let (color_type, bit_depth) = reader.output_color_type();
    if bit_depth != png::BitDepth::Eight {
        return Err(ImageError::Unsupported(format!(
            "unexpected output bit depth {bit_depth:?} after normalisation"
        ))
        .into());
    }
    let (color, has_alpha) = match color_type {
        png::ColorType::Grayscale => (ColorKind::Gray, false),
        png::ColorType::GrayscaleAlpha => (ColorKind::Gray, true),
        png::ColorType::Rgb => (ColorKind::Rgb, false),
        png::ColorType::Rgba => (ColorKind::Rgb, true),
        png::ColorType::Indexed => {
            return Err(ImageError::Unsupported(
                "palette image was not expanded to RGB".to_owned(),
            )
            .into());
        }
    };

    let pixel_count = usize::try_from(u64::from(width) * u64::from(height)).map_err(|_| {
        ImageError::Unsupported("the image is too large for this platform".to_owned())
    })?;
    let in_channels = color.channels() + usize::from(has_alpha);
    let expected_len = pixel_count
        .checked_mul(in_channels)
        .ok_or_else(|| ImageError::Unsupported("the image is too large".to_owned()))?;
    let buffer_len = reader.output_buffer_size();
    if buffer_len < expected_len {
        return Err(ImageError::Unsupported(format!(
            "decoder output buffer of {buffer_len} bytes is smaller than the {expected_len} bytes expected"
        ))
        .into());
    }

    let mut buffer = vec![0u8; buffer_len];
    let frame = reader.next_frame(&mut buffer)?;
    let row_len = usize::try_from(width)
        .ok()
        .and_then(|w| w.checked_mul(in_channels))
        .ok_or_else(|| ImageError::Unsupported("the image is too wide".to_owned()))?;
    if frame.line_size < row_len || frame.width != width || frame.height != height {
        return Err(ImageError::Unsupported(
            "the decoded frame does not match the image header".to_owned(),
        )
        .into());
    }

    // Rows may in principle be padded; copy them out tightly packed.
    let mut samples = Vec::with_capacity(expected_len);
    for row in buffer.chunks(frame.line_size).take(pixel_rows(height)) {
        samples.extend_from_slice(row.get(..row_len).unwrap_or(row));
    }
    if samples.len() != expected_len {
        return Err(ImageError::Truncated.into());
    }

    let (pixels, alpha) = if has_alpha {
        split_alpha(&samples, color.channels(), pixel_count)
    } else {
        (samples, None)
    };

    Ok(DecodedImage {
        width,
        height,
        color,
        pixels,
        alpha,
        pixels_per_metre,
    })
}

/// Number of rows as `usize` (a `u32` always fits on the supported 32/64-bit platforms).
fn pixel_rows(height: u32) -> usize {
    usize::try_from(height).unwrap_or(usize::MAX)
}

/// Splits interleaved colour+alpha samples into a colour plane and an alpha plane; the alpha
/// plane is dropped when every pixel is fully opaque.
fn split_alpha(samples: &[u8], channels: usize, pixel_count: usize) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut pixels = Vec::with_capacity(pixel_count * channels);
    let mut alpha = Vec::with_capacity(pixel_count);
    for pixel in samples.chunks_exact(channels + 1) {
        let (color, a) = pixel.split_at(channels);
        pixels.extend_from_slice(color);
        alpha.extend_from_slice(a);
    }
    let alpha = if alpha.iter().all(|&a| a == u8::MAX) {
        None
    } else {
        Some(alpha)
    };
    (pixels, alpha)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Options for [`encode`].
    struct Png<'a> {
        width: u32,
        height: u32,
        color: png::ColorType,
        depth: png::BitDepth,
        data: &'a [u8],
        palette: Option<&'a [u8]>,
        trns: Option<&'a [u8]>,
        phys: Option<(u32, u32, png::Unit)>,
    }

    impl<'a> Png<'a> {
        fn new(
            width: u32,
            height: u32,
            color: png::ColorType,
            depth: png::BitDepth,
            data: &'a [u8],
        ) -> Self {
            Self {
                width,
                height,
                color,
                depth,
                data,
                palette: None,
                trns: None,
                phys: None,
            }
        }

        fn encode(&self) -> Vec<u8> {
            let mut out = Vec::new();
            {
                let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
                encoder.set_color(self.color);
                encoder.set_depth(self.depth);
                if let Some(palette) = self.palette {
                    encoder.set_palette(palette.to_vec());
                }
                if let Some(trns) = self.trns {
                    encoder.set_trns(trns.to_vec());
                }
                if let Some((xppu, yppu, unit)) = self.phys {
                    encoder.set_pixel_dims(Some(png::PixelDimensions { xppu, yppu, unit }));
                }
                let mut writer = encoder.write_header().expect("PNG header must encode");
                writer
                    .write_image_data(self.data)
                    .expect("PNG image data must encode");
                writer.finish().expect("PNG must finish");
            }
            out
        }
    }

    fn decode(bytes: &[u8]) -> DecodedImage {
        decode_png(bytes, ImageLimits::default()).expect("a valid test PNG must decode")
    }

    #[test]
    fn rgba_with_transparent_pixel_splits_alpha() {
        let data = [
            255, 0, 0, 255, /**/ 0, 255, 0, 0, //
            0, 0, 255, 128, /**/ 10, 20, 30, 255,
        ];
        let img =
            decode(&Png::new(2, 2, png::ColorType::Rgba, png::BitDepth::Eight, &data).encode());
        assert_eq!((img.width, img.height), (2, 2), "dimensions come from IHDR");
        assert_eq!(
            img.color,
            ColorKind::Rgb,
            "RGBA decodes to an RGB colour plane"
        );
        assert_eq!(
            img.pixels,
            vec![255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30],
            "colour plane must be the RGB samples without alpha, in order"
        );
        assert_eq!(
            img.alpha,
            Some(vec![255, 0, 128, 255]),
            "alpha plane must carry the alpha samples, including the fully transparent one"
        );
        assert_eq!(img.pixels_per_metre, None, "no pHYs chunk was written");
        assert_eq!(
            img.size_mm(),
            None,
            "without pHYs there is no physical size"
        );
    }

    #[test]
    fn fully_opaque_rgba_has_no_alpha_plane() {
        let data = [1, 2, 3, 255, 4, 5, 6, 255];
        let img =
            decode(&Png::new(2, 1, png::ColorType::Rgba, png::BitDepth::Eight, &data).encode());
        assert_eq!(
            img.pixels,
            vec![1, 2, 3, 4, 5, 6],
            "colour samples are kept"
        );
        assert_eq!(
            img.alpha, None,
            "an all-255 alpha channel must not produce an SMask"
        );
    }

    #[test]
    fn rgb_decodes_without_alpha() {
        let data = [10, 20, 30, 40, 50, 60, 70, 80, 90];
        let img =
            decode(&Png::new(3, 1, png::ColorType::Rgb, png::BitDepth::Eight, &data).encode());
        assert_eq!(img.color, ColorKind::Rgb, "RGB stays RGB");
        assert_eq!(
            img.pixels,
            data.to_vec(),
            "RGB samples pass through unchanged"
        );
        assert_eq!(img.alpha, None, "RGB without tRNS has no transparency");
        assert_eq!(img.color.channels(), 3, "RGB has three components");
        assert_eq!(
            img.color.pdf_color_space(),
            "DeviceRGB",
            "RGB maps to DeviceRGB"
        );
    }

    #[test]
    fn gray_alpha_splits_into_gray_and_alpha() {
        let data = [0, 255, 100, 50, 200, 0];
        let img = decode(
            &Png::new(
                3,
                1,
                png::ColorType::GrayscaleAlpha,
                png::BitDepth::Eight,
                &data,
            )
            .encode(),
        );
        assert_eq!(
            img.color,
            ColorKind::Gray,
            "gray+alpha gives a gray colour plane"
        );
        assert_eq!(
            img.pixels,
            vec![0, 100, 200],
            "gray plane holds the gray samples"
        );
        assert_eq!(
            img.alpha,
            Some(vec![255, 50, 0]),
            "alpha plane holds the alpha samples"
        );
        assert_eq!(
            img.color.pdf_color_space(),
            "DeviceGray",
            "gray maps to DeviceGray"
        );
    }

    #[test]
    fn low_bit_gray_expands_to_eight_bits() {
        // 1-bit gray, 8 pixels in one byte: 1010_0000 -> white, black, white, black...
        let data = [0b1010_0000];
        let img =
            decode(&Png::new(8, 1, png::ColorType::Grayscale, png::BitDepth::One, &data).encode());
        assert_eq!(
            img.pixels,
            vec![255, 0, 255, 0, 0, 0, 0, 0],
            "1-bit gray must be scaled to full 8-bit range"
        );
        assert_eq!(img.alpha, None, "plain gray has no alpha");
    }

    #[test]
    fn palette_with_trns_expands_to_rgb_and_alpha() {
        let palette = [255, 0, 0, /**/ 0, 0, 255, /**/ 0, 255, 0];
        let trns = [0, 200]; // index 0 transparent, index 1 partly, index 2 opaque (implicit)
        let data = [0, 1, 2, 1];
        let mut png = Png::new(4, 1, png::ColorType::Indexed, png::BitDepth::Eight, &data);
        png.palette = Some(&palette);
        png.trns = Some(&trns);
        let img = decode(&png.encode());
        assert_eq!(img.color, ColorKind::Rgb, "a palette image expands to RGB");
        assert_eq!(
            img.pixels,
            vec![255, 0, 0, 0, 0, 255, 0, 255, 0, 0, 0, 255],
            "each index must be replaced by its palette colour"
        );
        assert_eq!(
            img.alpha,
            Some(vec![0, 200, 255, 200]),
            "tRNS entries become alpha; indices beyond tRNS are opaque"
        );
    }

    #[test]
    fn palette_without_trns_has_no_alpha() {
        let palette = [1, 2, 3, 4, 5, 6];
        let data = [0b0100_0000]; // 2-bit indices: 1, 0, 0, 0 (only first two pixels used)
        let mut png = Png::new(2, 1, png::ColorType::Indexed, png::BitDepth::Two, &data);
        png.palette = Some(&palette);
        let img = decode(&png.encode());
        assert_eq!(
            img.pixels,
            vec![4, 5, 6, 1, 2, 3],
            "2-bit indices resolve via the palette"
        );
        assert_eq!(img.alpha, None, "a palette without tRNS is opaque");
    }

    #[test]
    fn gray_with_trns_becomes_alpha() {
        let trns = [0, 77]; // 16-bit sample value 77 is transparent (for 8-bit: low byte)
        let data = [77, 78];
        let mut png = Png::new(2, 1, png::ColorType::Grayscale, png::BitDepth::Eight, &data);
        png.trns = Some(&trns);
        let img = decode(&png.encode());
        assert_eq!(img.pixels, vec![77, 78], "gray samples are kept");
        assert_eq!(
            img.alpha,
            Some(vec![0, 255]),
            "the gray value named by tRNS is transparent, others opaque"
        );
    }

    #[test]
    fn sixteen_bit_rgba_is_reduced_to_eight_bits() {
        // Two pixels, big-endian 16-bit samples.
        let data = [
            0xFF, 0xFF, 0x80, 0x00, 0x00, 0x01, 0xFF, 0xFF, //
            0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0x00, 0x00,
        ];
        let img =
            decode(&Png::new(2, 1, png::ColorType::Rgba, png::BitDepth::Sixteen, &data).encode());
        assert_eq!(
            img.pixels,
            vec![0xFF, 0x80, 0x00, 0x12, 0x56, 0x9A],
            "16-bit samples keep their high byte"
        );
        assert_eq!(
            img.alpha,
            Some(vec![0xFF, 0x00]),
            "16-bit alpha keeps its high byte"
        );
    }

    #[test]
    fn sixteen_bit_gray_is_reduced_to_eight_bits() {
        let data = [0xAB, 0xCD, 0x01, 0x02];
        let img = decode(
            &Png::new(
                2,
                1,
                png::ColorType::Grayscale,
                png::BitDepth::Sixteen,
                &data,
            )
            .encode(),
        );
        assert_eq!(
            img.pixels,
            vec![0xAB, 0x01],
            "16-bit gray keeps its high byte"
        );
        assert_eq!(img.alpha, None, "no transparency in plain 16-bit gray");
    }

    /// CRC-32 (ISO 3309) as used by PNG chunks.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(
            &u32::try_from(data.len())
                .expect("small chunk")
                .to_be_bytes(),
        );
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }

    /// zlib stream made of stored (uncompressed) deflate blocks.
    fn zlib_stored(data: &[u8]) -> Vec<u8> {
        let mut out = vec![0x78, 0x01];
        let blocks: Vec<&[u8]> = if data.is_empty() {
            vec![&[]]
        } else {
            data.chunks(65_535).collect()
        };
        for (i, block) in blocks.iter().enumerate() {
            out.push(u8::from(i + 1 == blocks.len()));
            let len = u16::try_from(block.len()).expect("block fits");
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(block);
        }
        let (mut a, mut b) = (1u32, 0u32);
        for &byte in data {
            a = (a + u32::from(byte)) % 65_521;
            b = (b + a) % 65_521;
        }
        out.extend_from_slice(&((b << 16) | a).to_be_bytes());
        out
    }

    /// Hand-written Adam7-interlaced 8-bit RGB PNG (the `png` 0.17 encoder cannot interlace).
    fn interlaced_rgb_png(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
        const PASSES: [(u32, u32, u32, u32); 7] = [
            (0, 0, 8, 8),
            (4, 0, 8, 8),
            (0, 4, 4, 8),
            (2, 0, 4, 4),
            (0, 2, 2, 4),
            (1, 0, 2, 2),
            (0, 1, 1, 2),
        ];
        let mut raw = Vec::new();
        for (x0, y0, dx, dy) in PASSES {
            if x0 >= width || y0 >= height {
                continue;
            }
            for y in (y0..height).step_by(dy as usize) {
                raw.push(0); // filter type None
                for x in (x0..width).step_by(dx as usize) {
                    let i = ((y * width + x) * 3) as usize;
                    raw.extend_from_slice(&rgb[i..i + 3]);
                }
            }
        }
        let mut out = PNG_SIGNATURE.to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 1]); // depth 8, RGB, deflate, filter 0, Adam7
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(&mut out, b"IDAT", &zlib_stored(&raw));
        chunk(&mut out, b"IEND", &[]);
        out
    }

    #[test]
    fn test_png_helpers_match_the_png_crate() {
        let mut iend = Vec::new();
        chunk(&mut iend, b"IEND", &[]);
        assert_eq!(
            iend, PNG_IEND_CHUNK,
            "the hand-written chunk writer must produce a valid IEND"
        );
    }

    #[test]
    fn interlaced_image_is_deinterlaced() {
        let (w, h) = (9u32, 7u32);
        let data: Vec<u8> = (0..w * h * 3).map(|i| (i * 7 % 251) as u8).collect();
        let bytes = interlaced_rgb_png(w, h, &data);
        assert_eq!(
            bytes[28], 1,
            "the test file must really be marked as interlaced"
        );
        let img = decode(&bytes);
        assert_eq!((img.width, img.height), (w, h), "dimensions come from IHDR");
        assert_eq!(
            img.pixels, data,
            "an Adam7 image must come back in plain row order, identical to the source"
        );
        assert_eq!(img.alpha, None, "an RGB image has no alpha");
    }

    #[test]
    fn phys_in_metres_gives_real_size() {
        // 11811 px/m = 300 dpi; 300 px wide = 1 inch = 25.4 mm, 150 px high = 12.7 mm.
        let (w, h) = (300u32, 150u32);
        let data = vec![128u8; (w * h) as usize];
        let mut png = Png::new(w, h, png::ColorType::Grayscale, png::BitDepth::Eight, &data);
        png.phys = Some((11811, 11811, png::Unit::Meter));
        let img = decode(&png.encode());
        assert_eq!(
            img.pixels_per_metre,
            Some((11811, 11811)),
            "pHYs in metres is reported"
        );
        let (mm_w, mm_h) = img.size_mm().expect("pHYs in metres must give a size");
        assert!(
            (mm_w - 25.4).abs() < 0.01,
            "300 px at 300 dpi is 25.4 mm wide, got {mm_w}"
        );
        assert!(
            (mm_h - 12.7).abs() < 0.01,
            "150 px at 300 dpi is 12.7 mm high, got {mm_h}"
        );
    }

    #[test]
    fn phys_without_unit_is_ignored() {
        let data = [0u8; 4];
        let mut png = Png::new(2, 2, png::ColorType::Grayscale, png::BitDepth::Eight, &data);
        png.phys = Some((2, 1, png::Unit::Unspecified));
        let img = decode(&png.encode());
        assert_eq!(
            img.pixels_per_metre, None,
            "an aspect-ratio-only pHYs has no real size"
        );
        assert_eq!(img.size_mm(), None, "no real size without a metre unit");
    }

    #[test]
    fn random_bytes_are_not_png() {
        let noise: Vec<u8> = (0u32..512)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(
            matches!(
                decode_png(&noise, ImageLimits::default()),
                Err(ImageError::NotPng)
            ),
            "bytes without the PNG signature must be rejected as not-a-PNG"
        );
        assert!(
            matches!(
                decode_png(&[], ImageLimits::default()),
                Err(ImageError::NotPng)
            ),
            "empty input is not a PNG"
        );
    }

    #[test]
    fn garbage_after_signature_is_an_error() {
        let mut bytes = PNG_SIGNATURE.to_vec();
        bytes.extend((0u32..300).map(|i| (i * 37 % 256) as u8));
        bytes.extend_from_slice(&PNG_IEND_CHUNK);
        let result = decode_png(&bytes, ImageLimits::default());
        assert!(
            matches!(result, Err(ImageError::Malformed(_))),
            "a signature followed by garbage must be a malformed-PNG error, got {result:?}"
        );
    }

    #[test]
    fn truncated_input_is_an_error_at_every_cut() {
        let (w, h) = (20u32, 20u32);
        let data: Vec<u8> = (0..w * h * 4).map(|i| (i % 256) as u8).collect();
        let full = Png::new(w, h, png::ColorType::Rgba, png::BitDepth::Eight, &data).encode();
        // Cutting inside the IEND chunk may leave a decodable image; cut anywhere before it.
        for cut in 0..full.len() - PNG_IEND_CHUNK.len() {
            let result = decode_png(&full[..cut], ImageLimits::default());
            match result {
                Err(ImageError::NotPng) => {
                    assert!(
                        cut < PNG_SIGNATURE.len(),
                        "only a cut signature is not-a-PNG (cut {cut})"
                    )
                }
                Err(ImageError::Truncated) => {}
                other => panic!(
                    "input cut at {cut} of {} must be Truncated, got {other:?}",
                    full.len()
                ),
            }
        }
    }

    #[test]
    fn limits_are_enforced() {
        let data = vec![0u8; 64 * 2];
        let bytes = Png::new(
            64,
            2,
            png::ColorType::Grayscale,
            png::BitDepth::Eight,
            &data,
        )
        .encode();
        let narrow = ImageLimits {
            max_width: 63,
            ..ImageLimits::default()
        };
        assert!(
            matches!(
                decode_png(&bytes, narrow),
                Err(ImageError::DimensionsTooLarge {
                    width: 64,
                    height: 2,
                    ..
                })
            ),
            "a 64 px wide image must be rejected when the limit is 63"
        );
        let short = ImageLimits {
            max_height: 1,
            ..ImageLimits::default()
        };
        assert!(
            matches!(
                decode_png(&bytes, short),
                Err(ImageError::DimensionsTooLarge { .. })
            ),
            "a 2 px high image must be rejected when the limit is 1"
        );
        let tiny_input = ImageLimits {
            max_bytes: bytes.len() - 1,
            ..ImageLimits::default()
        };
        assert!(
            matches!(
                decode_png(&bytes, tiny_input),
                Err(ImageError::InputTooLarge { .. })
            ),
            "input one byte over max_bytes must be rejected"
        );
        let exact = ImageLimits {
            max_width: 64,
            max_height: 2,
            max_bytes: bytes.len(),
        };
        assert!(decode_png(&bytes, exact).is_ok(), "limits are inclusive");
    }

    #[test]
    fn default_limits_match_documentation() {
        let limits = ImageLimits::default();
        assert_eq!(
            (limits.max_width, limits.max_height, limits.max_bytes),
            (4096, 4096, 16 * 1024 * 1024),
            "defaults are 4096x4096 pixels and 16 MiB of input"
        );
    }

    #[test]
    fn errors_have_english_messages() {
        let message = ImageError::DimensionsTooLarge {
            width: 5000,
            height: 10,
            max_width: 4096,
            max_height: 4096,
        }
        .to_string();
        assert!(
            message.contains("5000x10") && message.contains("4096x4096"),
            "the message must name the size and the limit: {message}"
        );
    }
}
