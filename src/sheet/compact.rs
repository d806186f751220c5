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
    fn widths_in_an_unknown_form_are_left_alone() {
        assert_eq!(read_widths(&[Object::Integer(1), Object::Real(2.0)]), None);
        assert_eq!(read_widths(&ints(&[1, 3])), None);
        assert_eq!(read_widths(&ints(&[5, 1, 600])), None);
    }
}
