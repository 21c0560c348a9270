//! What `savefile` may store: images whose content is what their
//! extension says (magic bytes), with no PHP code hidden in them, and the
//! incumbent's resize-to-box for JPEG, PNG and GIF (LEGACY.md §4.5).

use std::io::Cursor;

use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::{self, FilterType};
use image::{ExtendedColorType, ImageEncoder, ImageFormat, ImageReader, Limits, Rgba, RgbaImage};

/// Boxes and images larger than this on a side are not resized: the
/// resize is best effort, like the incumbent's, and must not be a way to
/// make the bridge allocate gigabytes.
const MAX_SIDE: u32 = 10_000;
/// Memory the decoder may use for one image.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// The image types `savefile` accepts: the incumbent's image extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Png,
    Jpeg,
    Gif,
    Bmp,
    Tiff,
}

impl Kind {
    /// The kind a file name's extension promises (case-insensitive).
    pub fn for_extension(extension: &str) -> Option<Kind> {
        match extension.to_ascii_lowercase().as_str() {
            "png" => Some(Kind::Png),
            "jpg" | "jpeg" => Some(Kind::Jpeg),
            "gif" => Some(Kind::Gif),
            "bmp" => Some(Kind::Bmp),
            "tif" | "tiff" => Some(Kind::Tiff),
            _ => None,
        }
    }

    /// The kind the content's first bytes show.
    pub fn sniff(bytes: &[u8]) -> Option<Kind> {
        let starts = |magic: &[u8]| bytes.starts_with(magic);
        if starts(b"\x89PNG\r\n\x1a\n") {
            Some(Kind::Png)
        } else if starts(b"\xFF\xD8\xFF") {
            Some(Kind::Jpeg)
        } else if starts(b"GIF87a") || starts(b"GIF89a") {
            Some(Kind::Gif)
        } else if starts(b"BM") && bytes.len() >= 26 {
            Some(Kind::Bmp)
        } else if starts(b"II*\0") || starts(b"MM\0*") {
            Some(Kind::Tiff)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Png => "PNG",
            Kind::Jpeg => "JPEG",
            Kind::Gif => "GIF",
            Kind::Bmp => "BMP",
            Kind::Tiff => "TIFF",
        }
    }

    fn format(self) -> Option<ImageFormat> {
        match self {
            Kind::Png => Some(ImageFormat::Png),
            Kind::Jpeg => Some(ImageFormat::Jpeg),
            Kind::Gif => Some(ImageFormat::Gif),
            Kind::Bmp | Kind::Tiff => None,
        }
    }
}

/// Whether PHP would find code to run in these bytes (`<?php`, `<?=`), in
/// case a web server is ever made to run an image as PHP.
pub fn contains_php(bytes: &[u8]) -> bool {
    bytes.windows(5).any(|w| w.eq_ignore_ascii_case(b"<?php"))
        || bytes.windows(3).any(|w| w == b"<?=")
}

/// The incumbent's resize: the image scaled into a `width` × `height` box
/// keeping its proportions (never enlarged), centred on white, re-encoded
/// in its own format (JPEG at quality 100). `None` when the image cannot be
/// resized; the caller then keeps it as it is, as the incumbent does.
pub fn fit_to_box(bytes: &[u8], kind: Kind, width: u32, height: u32) -> Option<Vec<u8>> {
    let format = kind.format()?;
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return None;
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let source = reader.decode().ok()?.to_rgba8();
    let (inner_w, inner_h) = inner_size(source.dimensions(), (width, height));
    let scaled = imageops::resize(
        &source,
        inner_w.max(1),
        inner_h.max(1),
        FilterType::Triangle,
    );
    let mut canvas = RgbaImage::from_pixel(width, height, Rgba([255, 255, 255, 255]));
    let left = (width.saturating_sub(inner_w) / 2) as i64;
    let top = (height.saturating_sub(inner_h) / 2) as i64;
    imageops::overlay(&mut canvas, &scaled, left, top);
    encode(&canvas, kind)
}

/// The size of the scaled image inside the box, computed as the incumbent
/// computes it (integer truncation included).
fn inner_size((src_w, src_h): (u32, u32), (box_w, box_h): (u32, u32)) -> (u32, u32) {
    let (src_w, src_h) = (f64::from(src_w.max(1)), f64::from(src_h.max(1)));
    let (box_w, box_h) = (f64::from(box_w), f64::from(box_h));
    let (width_ratio, height_ratio) = (box_w / src_w, box_h / src_h);
    if width_ratio > 1.0 && height_ratio > 1.0 {
        (src_w as u32, src_h as u32)
    } else if width_ratio > height_ratio {
        ((src_w * box_h / src_h) as u32, box_h as u32)
    } else {
        (box_w as u32, (src_h * box_w / src_w) as u32)
    }
}

fn encode(canvas: &RgbaImage, kind: Kind) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (w, h) = canvas.dimensions();
    match kind {
        Kind::Jpeg => {
            let rgb = image::DynamicImage::ImageRgba8(canvas.clone()).to_rgb8();
            JpegEncoder::new_with_quality(&mut out, 100)
                .write_image(rgb.as_raw(), w, h, ExtendedColorType::Rgb8)
                .ok()?;
        }
        Kind::Png => {
            let rgb = image::DynamicImage::ImageRgba8(canvas.clone()).to_rgb8();
            PngEncoder::new(&mut out)
                .write_image(rgb.as_raw(), w, h, ExtendedColorType::Rgb8)
                .ok()?;
        }
        Kind::Gif => {
            GifEncoder::new(&mut out)
                .encode(canvas.as_raw(), w, h, ExtendedColorType::Rgba8)
                .ok()?;
        }
        Kind::Bmp | Kind::Tiff => return None,
    }
    Some(out)
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A small test image in `format`: a red rectangle.
    pub fn sample(kind: Kind, width: u32, height: u32) -> Vec<u8> {
        let canvas = RgbaImage::from_pixel(width, height, Rgba([200, 0, 0, 255]));
        encode(&canvas, kind).unwrap()
    }

    fn dimensions(bytes: &[u8], kind: Kind) -> (u32, u32) {
        let reader = ImageReader::with_format(Cursor::new(bytes), kind.format().unwrap());
        let image = reader.decode().unwrap();
        (image.width(), image.height())
    }

    #[test]
    fn content_is_sniffed_by_magic_bytes() {
        for kind in [Kind::Png, Kind::Jpeg, Kind::Gif] {
            assert_eq!(Kind::sniff(&sample(kind, 3, 2)), Some(kind));
        }
        assert_eq!(Kind::sniff(b"II*\0rest"), Some(Kind::Tiff));
        assert_eq!(Kind::sniff(b"<?php echo 1;"), None);
        assert_eq!(Kind::for_extension("JPG"), Some(Kind::Jpeg));
        assert_eq!(Kind::for_extension("php"), None);
        assert_eq!(Kind::for_extension("phar"), None);
    }

    #[test]
    fn php_is_found_anywhere() {
        assert!(contains_php(b"\x89PNG....<?PHP system($_GET[1]);"));
        assert!(contains_php(b"GIF89a<?= `id` ?>"));
        assert!(!contains_php(b"GIF89a <? xml"));
    }

    #[test]
    fn images_fit_the_box_like_the_incumbents() {
        // Wider than the box: full width, height in proportion.
        assert_eq!(inner_size((400, 200), (100, 100)), (100, 50));
        // Taller: full height.
        assert_eq!(inner_size((50, 200), (100, 100)), (25, 100));
        // Smaller on both sides: never enlarged.
        assert_eq!(inner_size((40, 30), (100, 100)), (40, 30));
        // Truncation, as PHP's intval.
        assert_eq!(inner_size((300, 200), (100, 100)), (100, 66));
        for kind in [Kind::Jpeg, Kind::Png, Kind::Gif] {
            let resized = fit_to_box(&sample(kind, 40, 20), kind, 16, 16).unwrap();
            assert_eq!(Kind::sniff(&resized), Some(kind));
            assert_eq!(dimensions(&resized, kind), (16, 16));
        }
    }

    #[test]
    fn what_cannot_be_resized_is_left_alone() {
        assert!(fit_to_box(b"\xFF\xD8\xFFnot really", Kind::Jpeg, 10, 10).is_none());
        assert!(fit_to_box(&sample(Kind::Png, 4, 4), Kind::Png, MAX_SIDE + 1, 10).is_none());
        assert!(fit_to_box(b"II*\0", Kind::Tiff, 10, 10).is_none());
    }
}
