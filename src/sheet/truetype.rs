//! Dropping TrueType hinting from an embedded font subset: printed sheets do not need it, and it is ~40% of IPAexGothic's glyph data.

/// Tables that only carry hinting programs or device-specific hinting results.
const HINTING_TABLES: [&[u8; 4]; 6] = [b"fpgm", b"prep", b"cvt ", b"hdmx", b"LTSH", b"VDMX"];

fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(o..o + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(o..o + 4)?.try_into().ok()?))
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// A glyph's outline without its instructions.
fn strip_glyph(glyph: &[u8]) -> Option<Vec<u8>> {
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
    // Composite glyph: walk the components; instructions, if any, follow the last.
    const ARGS_ARE_WORDS: u16 = 0x0001;
    const HAVE_SCALE: u16 = 0x0008;
    const MORE_COMPONENTS: u16 = 0x0020;
    const HAVE_XY_SCALE: u16 = 0x0040;
    const HAVE_2X2: u16 = 0x0080;
    const HAVE_INSTRUCTIONS: u16 = 0x0100;
    let mut out = glyph.to_vec();
    let mut at = 10;
    loop {
        let flags = u16_at(glyph, at)?;
        let cleared = flags & !HAVE_INSTRUCTIONS;
        out.get_mut(at..at + 2)?
            .copy_from_slice(&cleared.to_be_bytes());
        at += 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
        at += if flags & HAVE_SCALE != 0 {
            2
        } else if flags & HAVE_XY_SCALE != 0 {
            4
        } else if flags & HAVE_2X2 != 0 {
            8
        } else {
            0
        };
        if flags & MORE_COMPONENTS == 0 {
            break;
        }
    }
    out.truncate(at.min(out.len()));
    Some(out)
}

/// Rebuilds a TrueType font without instructions or hinting tables. `None`
/// when the font is not a TrueType outline font this function understands;
/// callers then embed it unchanged.
pub fn strip_hinting(font: &[u8]) -> Option<Vec<u8>> {
    let num_tables = usize::from(u16_at(font, 4)?);
    let mut tables: Vec<([u8; 4], Vec<u8>)> = Vec::with_capacity(num_tables);
    for i in 0..num_tables {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = font.get(rec..rec + 4)?.try_into().ok()?;
        let offset = u32_at(font, rec + 8)? as usize;
        let length = u32_at(font, rec + 12)? as usize;
        if HINTING_TABLES.iter().any(|t| **t == tag) {
            continue;
        }
        tables.push((tag, font.get(offset..offset + length)?.to_vec()));
    }
    let find =
        |tag: &[u8; 4], tables: &[([u8; 4], Vec<u8>)]| tables.iter().position(|(t, _)| t == tag);
    let (head, maxp, loca, glyf) = (
        find(b"head", &tables)?,
        find(b"maxp", &tables)?,
        find(b"loca", &tables)?,
        find(b"glyf", &tables)?,
    );
    let long_loca = u16_at(&tables[head].1, 50)? == 1;
    let glyphs = usize::from(u16_at(&tables[maxp].1, 4)?);
    let offset_of = |i: usize| -> Option<usize> {
        if long_loca {
            Some(u32_at(&tables[loca].1, 4 * i)? as usize)
        } else {
            Some(usize::from(u16_at(&tables[loca].1, 2 * i)?) * 2)
        }
    };
    let mut new_glyf = Vec::with_capacity(tables[glyf].1.len());
    let mut new_loca = Vec::with_capacity(4 * (glyphs + 1));
    for i in 0..glyphs {
        let (start, end) = (offset_of(i)?, offset_of(i + 1)?);
        let glyph = tables[glyf].1.get(start..end)?;
        new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
        new_glyf.extend_from_slice(&strip_glyph(glyph)?);
        while new_glyf.len() % 4 != 0 {
            new_glyf.push(0);
        }
    }
    new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
    tables[glyf].1 = new_glyf;
    tables[loca].1 = new_loca;
    // Long loca offsets; no checksum adjustment until the whole file is known.
    tables[head]
        .1
        .get_mut(50..52)?
        .copy_from_slice(&1u16.to_be_bytes());
    tables[head].1.get_mut(8..12)?.copy_from_slice(&[0; 4]);
    if tables[maxp].1.len() >= 32 {
        // maxSizeOfInstructions
        tables[maxp].1[26..28].copy_from_slice(&[0, 0]);
    }
    tables.sort_by_key(|t| t.0);

    let n = tables.len();
    let mut out = Vec::new();
    out.extend_from_slice(font.get(0..4)?);
    let n16 = u16::try_from(n).ok()?;
    let entry_selector = 15 - n16.leading_zeros() as u16;
    let search_range = (1u16 << entry_selector) * 16;
    for v in [n16, search_range, entry_selector, n16 * 16 - search_range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * n;
    let mut body = Vec::new();
    for (tag, data) in &tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&u32::try_from(offset).ok()?.to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        offset = 12 + 16 * n + body.len();
    }
    out.extend_from_slice(&body);
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    let head_offset = u32_at(
        &out,
        12 + 16 * tables.iter().position(|(t, _)| t == b"head")? + 8,
    )? as usize;
    out.get_mut(head_offset + 8..head_offset + 12)?
        .copy_from_slice(&adjust.to_be_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::fonts::{Face, Fonts};
    use printpdf::ParsedFont;

    #[test]
    fn a_stripped_subset_keeps_every_glyph_and_width_and_is_smaller() {
        let fonts = Fonts::load();
        let text = "二段階認証バックアップコード Account 0123 アカウント";
        let mut ids: Vec<(u16, char)> = vec![(0, '\0')];
        for c in text.chars() {
            if let Some(g) = fonts.glyph(Face::Text, c)
                && !ids.iter().any(|(id, _)| *id == g)
            {
                ids.push((g, c));
            }
        }
        let (subset, mapping) = fonts
            .parsed(Face::Text)
            .subset(&ids, Default::default())
            .unwrap();
        let stripped = strip_hinting(&subset).expect("a TrueType subset");
        assert!(
            stripped.len() < subset.len() * 3 / 4,
            "{} vs {}",
            stripped.len(),
            subset.len()
        );
        let parsed = ParsedFont::from_bytes(&stripped, 0, &mut Vec::new()).expect("parses");
        let original = fonts.parsed(Face::Text);
        for (old, (new, _)) in mapping {
            assert_eq!(
                parsed.get_horizontal_advance(new),
                original.get_horizontal_advance(old)
            );
        }
        assert_eq!(checksum(&stripped), 0xB1B0_AFBA, "whole-font checksum");
    }
}
