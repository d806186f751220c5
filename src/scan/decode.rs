//! Finding and decoding QR codes in a greyscale picture: rxing, and the ladder of attempts (binarisation, scale, quarter turns) tried when the first fails.
//!
//! Each step prepares one greyscale picture and hands it to rxing (a port
//! of ZXing); the ladder stops at the first text the caller accepts (a
//! parsable mark), so a clean scan costs one decode. Image work goes
//! through `DynamicImage`'s methods and rxing's non-generic helper: they
//! are compiled in their own crates (optimised in tests too, see
//! Cargo.toml), where generic `imageops::*` would be instantiated,
//! unoptimised, in a debug build of this crate.

use std::collections::HashSet;

use image::imageops::FilterType;
use image::{DynamicImage, GrayImage};
use rxing::{BarcodeFormat, DecodeHints};

use crate::messages::Msg;

/// The text of the QR code rxing finds in `img`, if any.
pub fn read(img: &GrayImage) -> Option<String> {
    let mut hints = DecodeHints {
        // White modules on black, as a negative or some screens show them.
        AlsoInverted: Some(true),
        ..DecodeHints::default()
    };
    rxing::helpers::detect_in_luma_slice_with_hints(
        img.as_raw(),
        img.width(),
        img.height(),
        Some(BarcodeFormat::QR_CODE),
        &mut hints,
    )
    .ok()
    .map(|r| r.getText().to_owned())
}

/// The texts of every QR code rxing finds in `img`: slower than [`read`],
/// for a picture where [`read`] found some other QR code first.
pub fn read_all(img: &GrayImage) -> Vec<String> {
    let mut hints = DecodeHints {
        AlsoInverted: Some(true),
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
        ..DecodeHints::default()
    };
    rxing::helpers::detect_multiple_in_luma_with_hints(
        img.as_raw().clone(),
        img.width(),
        img.height(),
        &mut hints,
    )
    .map(|found| found.iter().map(|r| r.getText().to_owned()).collect())
    .unwrap_or_default()
}

/// One way of preparing the picture before rxing looks at it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// The picture as given (after the size cap).
    AsIs,
    /// Black below Otsu's global threshold.
    Otsu,
    /// Black below the local mean over a window of `1/n` of the short side, less a bias.
    LocalMean(u32),
    /// Blurred by 1 px then Otsu: clears the specks of a photocopy or fax.
    DespeckleOtsu,
    /// Resized by this factor (triangle filter).
    Scale(f64),
    /// Turned by this many quarter turns clockwise.
    Quarter(u8),
}

impl Step {
    pub fn apply(&self, img: &GrayImage) -> GrayImage {
        match *self {
            Step::AsIs => img.clone(),
            Step::Otsu => threshold(img, otsu(img)),
            Step::LocalMean(n) => {
                let short = img.width().min(img.height());
                local_mean_threshold(img, (short / n).max(8), 10)
            }
            Step::DespeckleOtsu => {
                let soft = blur(img, 1.0);
                threshold(&soft, otsu(&soft))
            }
            Step::Scale(s) => resize(img, s),
            Step::Quarter(q) => {
                let d = DynamicImage::ImageLuma8(img.clone());
                match q % 4 {
                    1 => d.rotate90().into_luma8(),
                    2 => d.rotate180().into_luma8(),
                    3 => d.rotate270().into_luma8(),
                    _ => img.clone(),
                }
            }
        }
    }

    /// How the step is named in the "no QR code found" message.
    pub fn msg(&self) -> Msg {
        match *self {
            Step::AsIs => Msg::new("scan_step_as_is"),
            Step::Otsu => Msg::new("scan_step_otsu"),
            Step::LocalMean(n) => Msg::new("scan_step_local").with("n", n),
            Step::DespeckleOtsu => Msg::new("scan_step_despeckle"),
            Step::Scale(s) => Msg::new("scan_step_scaled").with("factor", s),
            Step::Quarter(q) => Msg::new("scan_step_turned").with("degrees", u32::from(q) * 90),
        }
    }
}

/// The ladder for a picture whose long side is `long_side` pixels: cheap and
/// likely first; each step runs only if all before it failed. Every step
/// read some image of the test matrix that the steps before it missed.
pub fn ladder(long_side: u32) -> Vec<Step> {
    let mut steps = vec![
        Step::AsIs,
        Step::Otsu,
        Step::LocalMean(8),
        Step::LocalMean(24),
        Step::DespeckleOtsu,
    ];
    // Small modules (a 75 dpi scan has 3 px a module): doubled.
    if long_side <= 1600 {
        steps.push(Step::Scale(2.0));
    }
    // Large noisy pictures: halving averages out specks and JPEG blocks.
    if long_side >= 600 {
        steps.push(Step::Scale(0.5));
    }
    steps.extend([Step::Quarter(1), Step::Quarter(2), Step::Quarter(3)]);
    steps
}

/// What a run of the ladder found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The first accepted text.
    pub found: Option<String>,
    /// Texts that decoded but were not accepted (another QR in the photo).
    pub rejected: Vec<String>,
    /// Steps run (all of them when nothing was accepted).
    pub steps_run: usize,
}

/// Runs `steps` in order until `accept` takes a decoded text.
pub fn decode_with(img: &GrayImage, steps: &[Step], accept: impl Fn(&str) -> bool) -> Outcome {
    let mut out = Outcome::default();
    for (i, step) in steps.iter().enumerate() {
        out.steps_run = i + 1;
        let prepared = step.apply(img);
        let Some(text) = read(&prepared) else {
            continue;
        };
        // Some other QR code may have been read first: look for them all.
        let texts = if accept(&text) {
            vec![text]
        } else {
            let mut all = read_all(&prepared);
            all.push(text);
            all
        };
        for text in texts {
            if accept(&text) {
                out.found = Some(text);
                return out;
            }
            if !out.rejected.contains(&text) {
                out.rejected.push(text);
            }
        }
    }
    out
}

/// Resized by `factor` (triangle filter).
pub fn resize(img: &GrayImage, factor: f64) -> GrayImage {
    let w = ((f64::from(img.width()) * factor).round() as u32).max(1);
    let h = ((f64::from(img.height()) * factor).round() as u32).max(1);
    DynamicImage::ImageLuma8(img.clone())
        .resize_exact(w, h, FilterType::Triangle)
        .into_luma8()
}

/// Gaussian blur, `sigma` in pixels.
pub fn blur(img: &GrayImage, sigma: f32) -> GrayImage {
    DynamicImage::ImageLuma8(img.clone())
        .blur(sigma)
        .into_luma8()
}

/// Otsu's threshold: the grey level that best splits the histogram in two.
pub fn otsu(img: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    for &v in img.iter() {
        hist[usize::from(v)] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &n)| i as f64 * n as f64)
        .sum();
    let (mut sum_b, mut w_b, mut best, mut best_t) = (0.0, 0u64, 0.0, 128u8);
    for (t, &n) in hist.iter().enumerate() {
        w_b += n;
        if w_b == 0 || w_b == total {
            continue;
        }
        sum_b += t as f64 * n as f64;
        let w_f = total - w_b;
        let m_b = sum_b / w_b as f64;
        let m_f = (sum_all - sum_b) / w_f as f64;
        let between = w_b as f64 * w_f as f64 * (m_b - m_f) * (m_b - m_f);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

/// Black (0) at or below `t`, else white (255).
pub fn threshold(img: &GrayImage, t: u8) -> GrayImage {
    let mut out = img.clone();
    for v in out.iter_mut() {
        *v = if *v <= t { 0 } else { 255 };
    }
    out
}

/// Black where a pixel is darker than the mean of the `window`-sized square
/// around it by more than `bias` grey levels (summed-area table, O(pixels)).
pub fn local_mean_threshold(img: &GrayImage, window: u32, bias: u32) -> GrayImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let px = img.as_raw();
    let stride = w + 1;
    let mut sat = vec![0u64; stride * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(px[y * w + x]);
            sat[(y + 1) * stride + x + 1] = sat[y * stride + x + 1] + row;
        }
    }
    let r = (window / 2).max(1) as usize;
    let mut out = vec![255u8; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let sum = sat[y1 * stride + x1] + sat[y0 * stride + x0]
                - sat[y0 * stride + x1]
                - sat[y1 * stride + x0];
            let n = ((x1 - x0) * (y1 - y0)) as u64;
            if (u64::from(px[y * w + x]) + u64::from(bias)) * n < sum {
                out[y * w + x] = 0;
            }
        }
    }
    GrayImage::from_raw(img.width(), img.height(), out).unwrap_or_else(|| img.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    #[test]
    fn otsu_splits_two_grey_levels() {
        let mut img = GrayImage::from_pixel(10, 10, Luma([200]));
        for x in 0..5 {
            for y in 0..10 {
                img.put_pixel(x, y, Luma([40]));
            }
        }
        let t = otsu(&img);
        assert!((40..200).contains(&t), "{t}");
        let bw = threshold(&img, t);
        assert_eq!(bw.get_pixel(0, 0).0[0], 0);
        assert_eq!(bw.get_pixel(9, 9).0[0], 255);
    }

    #[test]
    fn local_threshold_follows_uneven_light() {
        // A dark dot on bright paper and one on dim paper: both black,
        // the paper around them white, which no single threshold gives.
        let mut img = GrayImage::from_fn(200, 100, |x, _| Luma([if x < 100 { 230 } else { 90 }]));
        img.put_pixel(50, 50, Luma([150]));
        img.put_pixel(150, 50, Luma([20]));
        let bw = local_mean_threshold(&img, 20, 10);
        assert_eq!(bw.get_pixel(50, 50).0[0], 0);
        assert_eq!(bw.get_pixel(150, 50).0[0], 0);
        assert_eq!(bw.get_pixel(20, 20).0[0], 255);
        assert_eq!(bw.get_pixel(170, 20).0[0], 255);
    }

    #[test]
    fn the_ladder_fits_the_picture() {
        assert!(ladder(800).contains(&Step::Scale(2.0)));
        assert!(!ladder(2400).contains(&Step::Scale(2.0)));
        assert!(!ladder(400).contains(&Step::Scale(0.5)));
        assert_eq!(ladder(2400).first(), Some(&Step::AsIs));
        assert_eq!(ladder(2400).last(), Some(&Step::Quarter(3)));
    }
}
