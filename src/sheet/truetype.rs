//! Reading the embedded TrueType fonts in place (tables, cmap, advance widths) and cutting the subset a sheet embeds.
//!
//! The fonts are compiled into the binary. Reading them where they lie,
//! rather than through a font parser that copies its input, keeps a sheet
//! from touching most of IPAexGothic's 6 MB: only the cmap, the widths and
//! the outlines of the glyphs the sheet uses are read. The subset is a plain
//! TrueType font with only the tables a PDF reader needs for a CIDFontType2
//! (glyf, head, hhea, hmtx, loca, maxp) and no hinting, which printed sheets
//! do not need and which is ~40% of IPAexGothic's glyph data.

use std::collections::HashMap;

pub(crate) fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(o..o + 2)?.try_into().ok()?))
}

pub(crate) fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(o..o + 4)?.try_into().ok()?))
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// A TrueType font's tables, borrowed from its bytes.
#[derive(Clone, Copy)]
pub struct Font<'a> {
    head: &'a [u8],
    hhea: &'a [u8],
    maxp: &'a [u8],
    hmtx: &'a [u8],
    loca: &'a [u8],
    glyf: &'a [u8],
    cmap: &'a [u8],
    long_loca: bool,
    glyphs: u16,
    long_metrics: u16,
}

impl<'a> Font<'a> {
    /// Finds the tables of a single-face TrueType (glyf outline) font.
    pub fn parse(bytes: &'a [u8]) -> Option<Font<'a>> {
        if u32_at(bytes, 0)? != 0x0001_0000 {
            return None;
        }
        let tables = usize::from(u16_at(bytes, 4)?);
        let table = |tag: &[u8; 4]| -> Option<&'a [u8]> {
            (0..tables).find_map(|i| {
                let rec = 12 + 16 * i;
                if bytes.get(rec..rec + 4)? != tag {
                    return None;
                }
                let offset = u32_at(bytes, rec + 8)? as usize;
                let length = u32_at(bytes, rec + 12)? as usize;
                bytes.get(offset..offset.checked_add(length)?)
            })
        };
        let head = table(b"head")?;
        let hhea = table(b"hhea")?;
        let maxp = table(b"maxp")?;
        Some(Font {
            long_loca: u16_at(head, 50)? == 1,
            glyphs: u16_at(maxp, 4)?,
            long_metrics: u16_at(hhea, 34)?,
            head,
            hhea,
            maxp,
            hmtx: table(b"hmtx")?,
            loca: table(b"loca")?,
            glyf: table(b"glyf")?,
            // Absent from the subsets this module cuts (see `subset`).
            cmap: table(b"cmap").unwrap_or_default(),
        })
    }

    pub fn units_per_em(&self) -> u16 {
        u16_at(self.head, 18).unwrap_or(1000).max(1)
    }

    /// How far the font's glyphs reach above and below the baseline
    /// (`hhea` ascender and descender), in font units, both positive.
    pub fn ascent_descent(&self) -> (u16, u16) {
        let signed = |at| u16_at(self.hhea, at).map_or(0, |v| v as i16);
        (signed(4).unsigned_abs(), signed(6).unsigned_abs())
    }

    /// Every glyph's advance width, in font units, by glyph ID.
    pub fn advances(&self) -> Vec<u16> {
        let long = usize::from(self.long_metrics.max(1));
        let mut out: Vec<u16> = (0..long)
            .map(|i| u16_at(self.hmtx, 4 * i).unwrap_or(0))
            .collect();
        let last = out.last().copied().unwrap_or(0);
        out.resize(usize::from(self.glyphs).max(long), last);
        out
    }

    /// Advance width and left side bearing of one glyph.
    fn metrics(&self, gid: u16) -> Option<(u16, u16)> {
        let g = usize::from(gid);
        let long = usize::from(self.long_metrics.max(1));
        if g < long {
            Some((u16_at(self.hmtx, 4 * g)?, u16_at(self.hmtx, 4 * g + 2)?))
        } else {
            let advance = u16_at(self.hmtx, 4 * (long - 1))?;
            Some((advance, u16_at(self.hmtx, 4 * long + 2 * (g - long))?))
        }
    }

    fn glyph(&self, gid: u16) -> Option<&'a [u8]> {
        let g = usize::from(gid);
        let offset = |i: usize| -> Option<usize> {
            if self.long_loca {
                Some(u32_at(self.loca, 4 * i)? as usize)
            } else {
                Some(usize::from(u16_at(self.loca, 2 * i)?) * 2)
            }
        };
        self.glyf.get(offset(g)?..offset(g + 1)?)
    }

    /// The Windows Unicode full-repertoire (3, 10) format-12 cmap as sorted
    /// `(first char, last char, first glyph)` groups.
    pub fn cmap_groups(&self) -> Option<Vec<(u32, u32, u32)>> {
        let cmap = self.cmap;
        let records = usize::from(u16_at(cmap, 2)?);
        let sub = (0..records).find_map(|i| {
            let rec = 4 + 8 * i;
            let (platform, encoding) = (u16_at(cmap, rec)?, u16_at(cmap, rec + 2)?);
            let offset = u32_at(cmap, rec + 4)? as usize;
            (platform == 3 && encoding == 10 && u16_at(cmap, offset)? == 12).then_some(offset)
        })?;
        let count = u32_at(cmap, sub + 12)? as usize;
        let mut groups = Vec::with_capacity(count);
        for i in 0..count {
            let g = sub + 16 + 12 * i;
            groups.push((u32_at(cmap, g)?, u32_at(cmap, g + 4)?, u32_at(cmap, g + 8)?));
        }
        groups.sort_unstable();
        Some(groups)
    }
}

const ARGS_ARE_WORDS: u16 = 0x0001;
const HAVE_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const HAVE_XY_SCALE: u16 = 0x0040;
const HAVE_2X2: u16 = 0x0080;
const HAVE_INSTRUCTIONS: u16 = 0x0100;

/// The glyph IDs a composite glyph is made of (none for a simple glyph).
fn components(glyph: &[u8]) -> Option<Vec<u16>> {
    let mut out = Vec::new();
    if glyph.is_empty() || (u16_at(glyph, 0)? as i16) >= 0 {
        return Some(out);
    }
    let mut at = 10;
    loop {
        let flags = u16_at(glyph, at)?;
        out.push(u16_at(glyph, at + 2)?);
        at += component_len(flags);
        if flags & MORE_COMPONENTS == 0 {
            return Some(out);
        }
    }
}

/// Bytes of one component record with these flags.
fn component_len(flags: u16) -> usize {
    let args = if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
    let transform = if flags & HAVE_SCALE != 0 {
        2
    } else if flags & HAVE_XY_SCALE != 0 {
        4
    } else if flags & HAVE_2X2 != 0 {
        8
    } else {
        0
    };
    4 + args + transform
}

/// A glyph's outline without its instructions, with component glyph IDs
/// renumbered by `renumber`.
fn rewrite_glyph(glyph: &[u8], renumber: &HashMap<u16, u16>) -> Option<Vec<u8>> {
    if glyph.is_empty() {
        return Some(Vec::new());
    }
    let contours = u16_at(glyph, 0)? as i16;
    if contours >= 0 {
        // Simple glyph: header, end points, instruction length + instructions, the rest.
        let ends = 10 + 2 * contours as usize;
        let len = usize::from(u16_at(glyph, ends)?);
        let rest = glyph.get(ends + 2 + len..)?;
        let mut out = Vec::with_capacity(ends + 2 + rest.len());
        out.extend_from_slice(glyph.get(..ends)?);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(rest);
        return Some(out);
    }
    // Composite glyph: the component records, without the instructions that
    // may follow the last one.
    let mut out = glyph.to_vec();
    let mut at = 10;
    loop {
        let flags = u16_at(glyph, at)?;
        let component = *renumber.get(&u16_at(glyph, at + 2)?)?;
        out.get_mut(at..at + 2)?
            .copy_from_slice(&(flags & !HAVE_INSTRUCTIONS).to_be_bytes());
        out.get_mut(at + 2..at + 4)?
            .copy_from_slice(&component.to_be_bytes());
        at += component_len(flags);
        if flags & MORE_COMPONENTS == 0 {
            break;
        }
    }
    out.truncate(at);
    Some(out)
}

/// A font subset: its bytes, and the glyph ID each requested glyph has in it.
pub struct Subset {
    pub bytes: Vec<u8>,
    pub glyph_ids: HashMap<u16, u16>,
}

/// Cuts a subset holding `.notdef` and the glyphs of `chars` (character and
/// its glyph ID in `font`), and the glyphs composite ones are made of.
/// Requested glyphs are numbered from 1 in the order given. `None` when the
/// font has a structure this reader does not know.
pub fn subset(font: &Font<'_>, chars: &[(char, u16)]) -> Option<Subset> {
    // New glyph order: .notdef, the requested glyphs, then components.
    let mut order: Vec<u16> = vec![0];
    let mut glyph_ids: HashMap<u16, u16> = HashMap::from([(0, 0)]);
    let mut add = |gid: u16, order: &mut Vec<u16>| -> Option<()> {
        if gid >= font.glyphs {
            return None;
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = glyph_ids.entry(gid) {
            slot.insert(u16::try_from(order.len()).ok()?);
            order.push(gid);
        }
        Some(())
    };
    for &(_, gid) in chars {
        add(gid, &mut order)?;
    }
    let mut i = 0;
    while i < order.len() {
        for component in components(font.glyph(order[i])?)? {
            add(component, &mut order)?;
        }
        i += 1;
    }
    let count = u16::try_from(order.len()).ok()?;

    let mut glyf = Vec::new();
    let mut offsets = Vec::with_capacity(order.len() + 1);
    let mut hmtx = Vec::with_capacity(4 * order.len());
    for &old in &order {
        offsets.push(glyf.len());
        glyf.extend_from_slice(&rewrite_glyph(font.glyph(old)?, &glyph_ids)?);
        while glyf.len() % 4 != 0 {
            glyf.push(0);
        }
        let (advance, lsb) = font.metrics(old)?;
        hmtx.extend_from_slice(&advance.to_be_bytes());
        hmtx.extend_from_slice(&lsb.to_be_bytes());
    }
    offsets.push(glyf.len());
    let (loca, loca_format) = loca_table(&offsets)?;

    let mut head = font.head.to_vec();
    head.get_mut(8..12)?.copy_from_slice(&[0; 4]); // checksum adjustment, set last
    head.get_mut(50..52)?
        .copy_from_slice(&loca_format.to_be_bytes());
    let mut hhea = font.hhea.to_vec();
    hhea.get_mut(34..36)?.copy_from_slice(&count.to_be_bytes());
    let mut maxp = font.maxp.to_vec();
    maxp.get_mut(4..6)?.copy_from_slice(&count.to_be_bytes());
    if maxp.len() >= 32 {
        maxp[26..28].copy_from_slice(&[0, 0]); // maxSizeOfInstructions
    }
    // Only the tables a PDF reader needs for a CIDFontType2 (PDF 32000-1
    // 9.9): it draws glyph IDs (Identity CIDToGIDMap) and takes characters
    // from the ToUnicode CMap, so the font's own cmap, its glyph names
    // (post) and its names (name) would be dead weight. Poppler, MuPDF and
    // pdf.js (which rebuilds cmap, post, name and OS/2 for the browser) draw
    // such a font. Leaving `name` out is within both licences: a subset
    // embedded to render one document is an "Embedded Font" the IPA Font
    // License sets no further obligation on (Article 2.5), and the OFL does
    // not reach documents made with the font; the licences ship beside the
    // fonts in fonts/ and the PDF names each font in /BaseFont.
    let tables: Vec<([u8; 4], Vec<u8>)> = vec![
        (*b"glyf", glyf),
        (*b"head", head),
        (*b"hhea", hhea),
        (*b"hmtx", hmtx),
        (*b"loca", loca),
        (*b"maxp", maxp),
    ];
    Some(Subset {
        bytes: assemble(&tables)?,
        glyph_ids,
    })
}

/// The `loca` table for these glyph offsets and its `indexToLocFormat`: the
/// short format (offset / 2 in 16 bits, half the size) whenever the glyph data
/// allows it, which the 4-byte padding of every glyph makes exact.
fn loca_table(offsets: &[usize]) -> Option<(Vec<u8>, u16)> {
    let mut loca = Vec::with_capacity(4 * offsets.len());
    if offsets
        .last()
        .is_some_and(|&end| end / 2 <= usize::from(u16::MAX))
    {
        for &offset in offsets {
            loca.extend_from_slice(&u16::try_from(offset / 2).ok()?.to_be_bytes());
        }
        return Some((loca, 0));
    }
    for &offset in offsets {
        loca.extend_from_slice(&u32::try_from(offset).ok()?.to_be_bytes());
    }
    Some((loca, 1))
}

/// Writes the table directory and tables (sorted by tag, 4-byte aligned)
/// and sets `head`'s checksum adjustment.
fn assemble(tables: &[([u8; 4], Vec<u8>)]) -> Option<Vec<u8>> {
    let n = u16::try_from(tables.len()).ok()?;
    let entry_selector = 15 - n.leading_zeros() as u16;
    let search_range = (1u16 << entry_selector) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [n, search_range, entry_selector, n * 16 - search_range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let directory = 12 + 16 * usize::from(n);
    let mut body = Vec::new();
    let mut head_at = None;
    for (tag, data) in tables {
        let offset = directory + body.len();
        if tag == b"head" {
            head_at = Some(offset);
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&u32::try_from(offset).ok()?.to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
    }
    out.extend_from_slice(&body);
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    let head = head_at?;
    out.get_mut(head + 8..head + 12)?
        .copy_from_slice(&adjust.to_be_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::fonts::{Face, Fonts};
    use printpdf::ParsedFont;

    const TEXT: &[u8] = include_bytes!("../../fonts/ipaexg.ttf");
    const MONO: &[u8] = include_bytes!("../../fonts/JetBrainsMono-Bold.ttf");

    fn chars_of(fonts: &Fonts, face: Face, text: &str) -> Vec<(char, u16)> {
        let mut out: Vec<(char, u16)> = Vec::new();
        for c in text.chars() {
            let g = fonts.glyph(face, c).expect("covered");
            if !out.iter().any(|(_, id)| *id == g) {
                out.push((c, g));
            }
        }
        out
    }

    /// Every glyph of the subset is the original's outline (instructions
    /// removed, components renumbered) with the original's metrics; the
    /// subset parses, maps its characters, and sums to the TrueType checksum.
    fn check_subset(bytes: &'static [u8], face: Face, text: &str) -> usize {
        let fonts = Fonts::load();
        let full = Font::parse(bytes).unwrap();
        let chars = chars_of(&fonts, face, text);
        let subset = subset(&full, &chars).expect("a subset");
        let small = Font::parse(&subset.bytes).expect("the subset parses");
        assert_eq!(checksum(&subset.bytes), 0xB1B0_AFBA, "whole-font checksum");
        let mut reverse: HashMap<u16, u16> = HashMap::new();
        for (&old, &new) in &subset.glyph_ids {
            reverse.insert(new, old);
        }
        assert_eq!(usize::from(small.glyphs), subset.glyph_ids.len());
        for new in 0..small.glyphs {
            let old = reverse[&new];
            assert_eq!(small.metrics(new), full.metrics(old), "metrics of {old}");
            let want = rewrite_glyph(full.glyph(old).unwrap(), &subset.glyph_ids).unwrap();
            let got = small.glyph(new).unwrap();
            assert_eq!(&got[..want.len()], &want[..], "outline of {old}");
        }
        // printpdf reads the subset (for the PDF's widths) and finds the
        // original's widths in it.
        let parsed = ParsedFont::from_bytes(&subset.bytes, 0, &mut Vec::new()).expect("parses");
        for (_, old) in &chars {
            assert_eq!(
                parsed.get_glyph_width(subset.glyph_ids[old]),
                full.metrics(*old).map(|(advance, _)| advance),
                "width of {old}"
            );
        }
        // Just the tables a PDF reader needs for a CIDFontType2.
        let tags: Vec<&[u8]> = (0..usize::from(u16_at(&subset.bytes, 4).unwrap()))
            .map(|i| &subset.bytes[12 + 16 * i..16 + 16 * i])
            .collect();
        let want: [&[u8]; 6] = [b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp"];
        assert_eq!(tags, want);
        subset.bytes.len()
    }

    #[test]
    fn a_japanese_subset_keeps_every_outline_and_width() {
        let size = check_subset(
            TEXT,
            Face::Text,
            "二段階認証バックアップコード Account 0123 アカウント 𠮟",
        );
        assert!(size < 40_000, "{size} bytes");
    }

    #[test]
    fn a_monospace_subset_keeps_every_outline_and_width() {
        check_subset(MONO, Face::Mono, "0123456789ABCDEFGHJKMNPQRSTVWXYZ-");
    }

    #[test]
    fn loca_is_short_while_the_glyph_data_allows_it() {
        let short = loca_table(&[0, 4, 131_068]).unwrap();
        assert_eq!(short, (vec![0, 0, 0, 2, 0xFF, 0xFE], 0));
        let long = loca_table(&[0, 131_072]).unwrap();
        assert_eq!(long, (vec![0, 0, 0, 0, 0, 2, 0, 0], 1));
    }

    #[test]
    fn composite_glyphs_bring_their_components_renumbered() {
        let fonts = Fonts::load();
        let full = Font::parse(MONO).unwrap();
        // Accented letters are composites in JetBrains Mono.
        let composite = ('\u{C0}'..='\u{17F}')
            .find(|&c| {
                fonts
                    .glyph(Face::Mono, c)
                    .and_then(|g| components(full.glyph(g)?))
                    .is_some_and(|parts| !parts.is_empty())
            })
            .expect("a composite glyph");
        let size = check_subset(MONO, Face::Mono, &composite.to_string());
        let gid = fonts.glyph(Face::Mono, composite).unwrap();
        let parts = components(full.glyph(gid).unwrap()).unwrap();
        let subset = subset(&full, &[(composite, gid)]).unwrap();
        for part in parts {
            assert!(subset.glyph_ids.contains_key(&part), "component {part}");
        }
        assert!(size > 0);
    }
}
