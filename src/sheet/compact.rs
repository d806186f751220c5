//! Shorter forms of what printpdf writes, applied to its document before it is saved: the same page in fewer bytes.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Document, Object};

/// Rewrites the widths of every CIDFont under a Type0 font: the most common
/// width becomes `/DW` and is left out of `/W`, runs of equal widths become
/// `c_first c_last w` and the rest `c [w1 w2 ...]` (PDF 32000-1 9.7.4.3).
/// printpdf lists every used CID's width one by one, and most of a
/// Japanese sheet's glyphs are 1000 wide, which is the default anyway.
pub fn widths(doc: &mut Document) {
    for object in doc.objects.values_mut() {
        let Object::Dictionary(font) = object else {
            continue;
        };
        if font.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Type0") {
            continue;
        }
        let Ok(Object::Array(descendants)) = font.get_mut(b"DescendantFonts") else {
            continue;
        };
        for descendant in descendants {
            if let Object::Dictionary(cid_font) = descendant {
                compact_widths(cid_font);
            }
        }
    }
}

fn compact_widths(cid_font: &mut Dictionary) {
    let Some(widths) = cid_font
        .get(b"W")
        .and_then(Object::as_array)
        .ok()
        .and_then(|w| read_widths(w))
    else {
        return;
    };
    let (default, w) = write_widths(&widths);
    cid_font.set("DW", default);
    if w.is_empty() {
        cid_font.remove(b"W");
    } else {
        cid_font.set("W", w);
    }
}

/// CID to width from a `/W` array in either form; `None` for anything else
/// (then the array is left as it is).
fn read_widths(w: &[Object]) -> Option<BTreeMap<i64, i64>> {
    let mut out = BTreeMap::new();
    let mut i = 0;
    while i < w.len() {
        let first = w[i].as_i64().ok()?;
        match w.get(i + 1)? {
            Object::Array(list) => {
                for (cid, width) in (first..).zip(list) {
                    out.insert(cid, width.as_i64().ok()?);
                }
                i += 2;
            }
            Object::Integer(last) if (first..=first + 0xFFFF).contains(last) => {
                let width = w.get(i + 2)?.as_i64().ok()?;
                for cid in first..=*last {
                    out.insert(cid, width);
                }
                i += 3;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Equal widths in a row from which a range `c_first c_last w` (three
/// numbers) is shorter than listing them.
const RANGE_FROM: usize = 3;

/// `/DW` (the most common width) and a `/W` array for the other CIDs.
fn write_widths(widths: &BTreeMap<i64, i64>) -> (i64, Vec<Object>) {
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for &width in widths.values() {
        *counts.entry(width).or_default() += 1;
    }
    // The most common width; among equally common ones the spec's default
    // 1000, then the smallest, so the output does not depend on map order.
    let default = counts
        .iter()
        .max_by_key(|&(&width, &count)| (count, width == 1000, -width))
        .map_or(1000, |(&width, _)| width);
    let others: Vec<(i64, i64)> = widths
        .iter()
        .filter(|&(_, &width)| width != default)
        .map(|(&cid, &width)| (cid, width))
        .collect();

    let mut out = Vec::new();
    // The `c [w ...]` entry being built: its first CID and widths.
    let mut listed: Option<(i64, Vec<Object>)> = None;
    let flush = |listed: &mut Option<(i64, Vec<Object>)>, out: &mut Vec<Object>| {
        if let Some((first, list)) = listed.take() {
            out.push(Object::Integer(first));
            out.push(Object::Array(list));
        }
    };
    let mut i = 0;
    while i < others.len() {
        let (cid, width) = others[i];
        // How many CIDs from here on are consecutive and this wide.
        let run = others[i..]
            .iter()
            .zip(cid..)
            .take_while(|&(&(c, w), next)| c == next && w == width)
            .count();
        if run >= RANGE_FROM {
            flush(&mut listed, &mut out);
            out.extend([
                Object::Integer(cid),
                Object::Integer(cid + run as i64 - 1),
                Object::Integer(width),
            ]);
            i += run;
            continue;
        }
        match &mut listed {
            Some((first, list)) if *first + list.len() as i64 == cid => {
                list.push(Object::Integer(width));
            }
            _ => {
                flush(&mut listed, &mut out);
                listed = Some((cid, vec![Object::Integer(width)]));
            }
        }
        i += 1;
    }
    flush(&mut listed, &mut out);
    (default, out)
}

/// Drops each page's empty resource categories (printpdf gives every page
/// `/XObject`, `/ExtGState` and `/Shading`, each an object of its own,
/// whether used or not) and the objects left unused, then numbers the
/// objects from 1 again so the cross-reference table has no free entries.
pub fn empty_resources(doc: &mut Document) {
    let empty: Vec<lopdf::ObjectId> = doc
        .objects
        .iter()
        .filter(|(_, object)| object.as_dict().is_ok_and(Dictionary::is_empty))
        .map(|(&id, _)| id)
        .collect();
    let resources: Vec<lopdf::ObjectId> = doc
        .objects
        .values()
        .filter_map(|object| {
            let page = object.as_dict().ok()?;
            (page.get(b"Type").and_then(Object::as_name).ok()? == b"Page")
                .then(|| page.get(b"Resources").and_then(Object::as_reference).ok())?
        })
        .collect();
    for id in resources {
        let Ok(Object::Dictionary(dict)) = doc.get_object_mut(id) else {
            continue;
        };
        let unused: Vec<Vec<u8>> = dict
            .iter()
            .filter(|(_, value)| value.as_reference().is_ok_and(|r| empty.contains(&r)))
            .map(|(key, _)| key.clone())
            .collect();
        for key in unused {
            dict.remove(&key);
        }
    }
    doc.prune_objects();
    doc.renumber_objects();
}

/// Drops entries that say what a reader assumes when they are absent: a
/// page's `/CropBox` and `/TrimBox` equal to its `/MediaBox` (each defaults
/// to it, 14.11.2), an empty `/Annots`, and the document information's
/// empty strings (printpdf writes every field, set or not).
pub fn defaults(doc: &mut Document) {
    let info = doc.trailer.get(b"Info").and_then(Object::as_reference).ok();
    for (id, object) in doc.objects.iter_mut() {
        let Object::Dictionary(dict) = object else {
            continue;
        };
        if Some(*id) == info {
            let empty: Vec<Vec<u8>> = dict
                .iter()
                .filter(|(_, value)| {
                    matches!(value, Object::String(text, _) if text.is_empty() || text == b"\xFE\xFF")
                })
                .map(|(key, _)| key.clone())
                .collect();
            for key in empty {
                dict.remove(&key);
            }
            continue;
        }
        if dict.get(b"Type").and_then(Object::as_name).ok() != Some(b"Page") {
            continue;
        }
        let media = dict.get(b"MediaBox").ok().cloned();
        for key in [&b"CropBox"[..], b"TrimBox"] {
            if media.is_some() && dict.get(key).ok() == media.as_ref() {
                dict.remove(key);
            }
        }
        if dict
            .get(b"Annots")
            .and_then(Object::as_array)
            .is_ok_and(Vec::is_empty)
        {
            dict.remove(b"Annots");
        }
    }
}

/// Rewrites each Type0 font's ToUnicode CMap with a run of consecutive CIDs
/// mapping to consecutive characters as one `bfrange` line, the rest as
/// `bfchar` lines, and a short standard header; the mapping is the one
/// printpdf wrote, read back with its own parser. A CMap this cannot read
/// or write (compressed already, codes beyond two bytes) is left as it is.
pub fn to_unicode(doc: &mut Document) {
    let cmaps: Vec<lopdf::ObjectId> = doc
        .objects
        .values()
        .filter_map(|object| {
            let font = object.as_dict().ok()?;
            (font.get(b"Subtype").and_then(Object::as_name).ok()? == b"Type0")
                .then(|| font.get(b"ToUnicode").and_then(Object::as_reference).ok())?
        })
        .collect();
    for id in cmaps {
        let Ok(Object::Stream(stream)) = doc.get_object_mut(id) else {
            continue;
        };
        if stream.dict.has(b"Filter") {
            continue;
        }
        let Some(shorter) = std::str::from_utf8(&stream.content)
            .ok()
            .and_then(|text| printpdf::ToUnicodeCMap::parse(text).ok())
            .and_then(|cmap| write_to_unicode(&cmap.mappings))
        else {
            continue;
        };
        stream.set_content(shorter);
    }
}

/// Entries per `bf...` block: PDF 32000-1 9.10.3 allows at most 100.
const BLOCK: usize = 100;

/// A ToUnicode CMap for two-byte codes mapping to these characters.
fn write_to_unicode(mappings: &BTreeMap<u32, Vec<u32>>) -> Option<Vec<u8>> {
    // Each code with its target in UTF-16 code units.
    let mut entries: Vec<(u16, Vec<u16>)> = Vec::with_capacity(mappings.len());
    for (&code, chars) in mappings {
        let mut units = Vec::new();
        for &c in chars {
            let mut buf = [0u16; 2];
            units.extend_from_slice(char::from_u32(c)?.encode_utf16(&mut buf));
        }
        if !units.is_empty() {
            entries.push((u16::try_from(code).ok()?, units));
        }
    }
    let mut ranges: Vec<(u16, u16, u16)> = Vec::new();
    let mut chars: Vec<(u16, &[u16])> = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        let (code, units) = (entries[i].0, entries[i].1.as_slice());
        // A range may only step the last byte of the code and of the one
        // UTF-16 unit it maps to (9.10.3), so it stays within 256 of both.
        let run = match units {
            [unit] => entries[i..]
                .iter()
                .zip(0u16..)
                .take_while(|&((c, u), k)| {
                    u.len() == 1
                        && code.checked_add(k) == Some(*c)
                        && unit.checked_add(k) == Some(u[0])
                        && c >> 8 == code >> 8
                        && u[0] >> 8 == unit >> 8
                })
                .count(),
            _ => 1,
        };
        if run >= 2 {
            let last = entries[i + run - 1].0;
            ranges.push((code, last, units[0]));
        } else {
            chars.push((code, units));
        }
        i += run;
    }

    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for block in ranges.chunks(BLOCK) {
        out.push_str(&format!("{} beginbfrange\n", block.len()));
        for (first, last, unit) in block {
            out.push_str(&format!("<{first:04X}> <{last:04X}> <{unit:04X}>\n"));
        }
        out.push_str("endbfrange\n");
    }
    for block in chars.chunks(BLOCK) {
        out.push_str(&format!("{} beginbfchar\n", block.len()));
        for (code, units) in block {
            let target: String = units.iter().map(|u| format!("{u:04X}")).collect();
            out.push_str(&format!("<{code:04X}> <{target}>\n"));
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    Some(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(values: &[i64]) -> Vec<Object> {
        values.iter().map(|&v| Object::Integer(v)).collect()
    }

    #[test]
    fn widths_become_a_default_ranges_and_lists() {
        // printpdf's form: every width listed from CID 1.
        let listed = [
            270, 357, 629, 629, 629, 629, 319, 1000, 1000, 1000, 1000, 500,
        ];
        let w = vec![Object::Integer(1), Object::Array(ints(&listed))];
        let widths = read_widths(&w).unwrap();
        let (default, out) = write_widths(&widths);
        assert_eq!(default, 1000);
        let mut want = vec![Object::Integer(1), Object::Array(ints(&[270, 357]))];
        want.extend(ints(&[3, 6, 629, 7]));
        want.push(Object::Array(ints(&[319])));
        want.push(Object::Integer(12));
        want.push(Object::Array(ints(&[500])));
        assert_eq!(out, want);
        // Read back with the default, every CID has its width again.
        let back = read_widths(&out).unwrap();
        for (cid, width) in widths {
            assert_eq!(
                back.get(&cid).copied().unwrap_or(default),
                width,
                "CID {cid}"
            );
        }
    }

    #[test]
    fn a_monospaced_font_needs_only_a_default_width() {
        let w = vec![Object::Integer(1), Object::Array(ints(&[600; 33]))];
        let (default, out) = write_widths(&read_widths(&w).unwrap());
        assert_eq!((default, out), (600, vec![]));
    }

    #[test]
    fn to_unicode_keeps_every_mapping_in_ranges_and_single_lines() {
        let mut mappings: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        // Digits in a row, a kana run that crosses a code's high byte, a
        // character beyond the BMP, two characters on one glyph, a lone one.
        for (k, c) in (0x05..).zip(0x30..=0x39) {
            mappings.insert(k, vec![c]);
        }
        for (k, c) in (0xFE..).zip(0x3042..=0x3045) {
            mappings.insert(k, vec![c]);
        }
        mappings.insert(0x120, vec![0x20B9F]);
        mappings.insert(0x121, vec![0x66, 0x69]);
        mappings.insert(0x130, vec![0x9762]);
        let bytes = write_to_unicode(&mappings).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("<0005> <000E> <0030>"), "{text}");
        assert!(text.contains("<00FE> <00FF> <3042>"), "{text}");
        assert!(text.contains("<0100> <0101> <3044>"), "{text}");
        assert!(text.contains("<0120> <D842DF9F>"), "{text}");
        // Both printpdf's parser and lopdf's (which extracts text in the
        // tests) read the same mapping back.
        let back = printpdf::ToUnicodeCMap::parse(&text).unwrap();
        assert_eq!(back.mappings, mappings);
        let mut doc = Document::with_version("1.7");
        let cmap = doc.add_object(lopdf::Stream::new(Dictionary::new(), text.into_bytes()));
        let mut font = Dictionary::new();
        font.set("Type", Object::Name(b"Font".to_vec()));
        font.set("ToUnicode", cmap);
        let encoding = font.get_font_encoding(&doc).unwrap();
        let codes = [
            0x00, 0x05, 0x00, 0x0E, 0x00, 0xFF, 0x01, 0x00, 0x01, 0x20, 0x01, 0x21,
        ];
        assert_eq!(
            encoding.bytes_to_string(&codes).unwrap(),
            "09\u{3043}\u{3044}\u{20B9F}fi"
        );
    }

    #[test]
    fn widths_in_an_unknown_form_are_left_alone() {
        assert_eq!(read_widths(&[Object::Integer(1), Object::Real(2.0)]), None);
        assert_eq!(read_widths(&ints(&[1, 3])), None);
        assert_eq!(read_widths(&ints(&[5, 1, 600])), None);
    }
}
