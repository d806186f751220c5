//! The layout's promises checked on its items, whatever a sheet holds: every text inside the margins, over no other text, the QR or a rule; nothing lost over page breaks; a text that cannot fit refused by its key.

use chrono::{DateTime, FixedOffset, NaiveDate};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::header::qr_size;
use super::*;
use crate::codes::{CodeSet, Format, MAX_SYMBOLS, SetId, generate_set};
use crate::lang::Lang;
use crate::limits::{MAX_COPIES, MAX_COUNT, MAX_LABEL_CHARS, MAX_TEMPLATE_TEXT_CHARS};
use crate::sheet::fonts::{Face, Fonts};
use crate::sheet::qr::QrMatrix;
use crate::sheet::{Paper, ReplacedSet, UseOrder};
use crate::template::{Key, Template};

/// Rounding allowance in millimetres.
const EPS: f64 = 1e-6;

/// Everything a sheet holds, owned, to lend to a [`SheetContent`].
struct Fixture {
    template: Template,
    paper: Paper,
    account: String,
    /// Location and custodian.
    label: String,
    /// Service and organisation.
    names: String,
    issued_at: DateTime<FixedOffset>,
    set_id: SetId,
    codes: CodeSet,
    replaces: Option<ReplacedSet>,
    older_sets: usize,
    copies: u32,
    qr: std::cell::RefCell<Option<(String, QrMatrix)>>,
}

impl Fixture {
    fn new(lang: Lang, paper: Paper, account: String) -> Fixture {
        let mut rng = StdRng::seed_from_u64(11);
        let format = Format::parse("X-".repeat(MAX_SYMBOLS).trim_end_matches('-')).unwrap();
        Fixture {
            template: Template::embedded(lang),
            paper,
            account,
            label: String::new(),
            names: String::new(),
            issued_at: DateTime::parse_from_rfc3339("2026-11-22T14:31:05+09:00").unwrap(),
            set_id: SetId::parse("7K2Q-M9XA").unwrap(),
            codes: generate_set(&mut rng, &format, 10).unwrap(),
            replaces: None,
            older_sets: 0,
            copies: 1,
            qr: std::cell::RefCell::new(None),
        }
    }

    fn content(&self) -> SheetContent<'_> {
        let label = (!self.label.is_empty()).then_some(self.label.as_str());
        let names = (!self.names.is_empty()).then_some(self.names.as_str());
        SheetContent {
            template: &self.template,
            paper: self.paper,
            account: &self.account,
            service: names,
            organisation: names,
            issued_at: self.issued_at,
            generation: 1 + self.replaces.as_ref().map_or(0, |r| r.generation),
            set_id: &self.set_id,
            codes: &self.codes,
            replaces: self.replaces.clone(),
            older_sets: self.older_sets,
            location: label,
            custodian: label,
            next_inventory: NaiveDate::from_ymd_opt(2027, 5, 31),
            order: UseOrder::InOrder,
            advice: Key::AdviceGoogle,
            copies: self.copies,
        }
    }

    fn layout(&self, fonts: &Fonts) -> Result<Vec<Page>, SheetError> {
        layout(&self.content(), &self.qr(), fonts)
    }

    /// The QR for this sheet, encoded once (it is the slow part of a layout).
    fn qr(&self) -> QrMatrix {
        let payload = self.content().mark().payload();
        let mut cache = self.qr.borrow_mut();
        match &*cache {
            Some((p, qr)) if *p == payload => qr.clone(),
            _ => {
                let qr = QrMatrix::for_mark(&self.content().mark()).unwrap();
                *cache = Some((payload, qr.clone()));
                qr
            }
        }
    }
}

/// `chars` characters of ordinary wording in `lang` (with a long unbroken
/// address in it), after every placeholder `key` may use.
fn filler(lang: Lang, key: Key, chars: usize) -> String {
    let words = match lang {
        Lang::En => {
            "Keep this sheet in the safe and follow https://intranet.example.com/security/two-factor/backup-codes/policy-2026 at all times. "
        }
        Lang::Ja => {
            "このシートは金庫に保管し、規程（https://intranet.example.com/security/policy）に従ってください。"
        }
    };
    let mut text: String = key
        .placeholders()
        .iter()
        .map(|p| format!("{{{p}}} "))
        .collect();
    let rest = chars.saturating_sub(text.chars().count());
    text.extend(words.chars().cycle().take(rest));
    text
}

/// Texts with a place of fixed size (a line of the header, a label column,
/// the footer's line, the room under the QR): the only ones ever refused.
/// Every other text flows on to further pages.
const FIXED_PLACE: &[Key] = &[
    Key::Title,
    Key::LabelAccount,
    Key::LabelService,
    Key::LabelOrganisation,
    Key::LabelIssued,
    Key::LabelGeneration,
    Key::LabelSetId,
    Key::LabelLocation,
    Key::LabelCustodian,
    Key::LabelNextInventory,
    Key::QrCaption,
    Key::UsedOn,
    Key::UsedBy,
    Key::ShreddedOn,
    Key::ShreddedBy,
    Key::CodesContinued,
    Key::Footer,
    Key::CopyOf,
    Key::PageOf,
];

/// The lengths of a template's texts, in characters.
type Lengths = Vec<(Key, usize)>;

/// Every text at the template limit.
fn all_at_the_limit() -> Lengths {
    Key::ALL
        .iter()
        .map(|k| (*k, MAX_TEMPLATE_TEXT_CHARS))
        .collect()
}

fn template_of(lang: Lang, lengths: &Lengths) -> Template {
    lengths
        .iter()
        .fold(Template::embedded(lang), |t, (key, len)| {
            t.with_text(*key, filler(lang, *key, *len))
        })
}

/// Shortens the texts the layout refuses, one at a time, each to the
/// longest that fits among the others (one character more is refused,
/// naming it), until the sheet lays out.
fn fit_lengths(fixture: &mut Fixture, lang: Lang, lengths: &mut Lengths, fonts: &Fonts) {
    for _ in 0..Key::ALL.len() * 3 {
        fixture.template = template_of(lang, lengths);
        let key = match fixture.layout(fonts) {
            Ok(_) => return,
            Err(SheetError::TextDoesNotFit { key }) => key,
            Err(e) => panic!("{e}"),
        };
        assert!(
            FIXED_PLACE.contains(&key),
            "`{}` flows, yet was refused",
            key.name()
        );
        let at = lengths.iter().position(|(k, _)| *k == key).unwrap();
        // Between a length that fits and one that is refused.
        let (mut ok, mut too_long) = (0, lengths[at].1);
        while too_long - ok > 1 {
            let mid = (ok + too_long) / 2;
            lengths[at].1 = mid;
            fixture.template = template_of(lang, lengths);
            match fixture.layout(fonts) {
                Err(SheetError::TextDoesNotFit { key: k }) if k == key => too_long = mid,
                _ => ok = mid,
            }
        }
        lengths[at].1 = ok;
    }
    panic!("the lengths did not settle")
}

/// Where a text's ink may reach: left, right, top, bottom.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Bounds {
    fn overlaps(&self, other: &Bounds) -> bool {
        self.right.min(other.right) - self.left.max(other.left) > EPS
            && self.bottom.min(other.bottom) - self.top.max(other.top) > EPS
    }

    fn inside(&self, page: &Page) -> bool {
        self.left >= MARGIN - EPS
            && self.right <= page.width - MARGIN + EPS
            && self.top >= MARGIN - EPS
            && self.bottom <= page.height - MARGIN + EPS
    }
}

/// A text item's box from its font's own widths, ascent and descent.
fn text_bounds(fonts: &Fonts, item: &Item) -> Option<(Bounds, String)> {
    let Item::Text {
        x,
        y,
        size,
        face,
        text,
        ..
    } = item
    else {
        return None;
    };
    let (ascent, descent) = fonts.extent(*face);
    let bounds = Bounds {
        left: *x,
        right: x + fonts.width_mm(*face, *size, text),
        top: y - ascent * size * PT,
        bottom: y + descent * size * PT,
    };
    Some((bounds, text.to_string()))
}

/// Every text inside the margins and over no other text, the QR (quiet zone
/// included) or a rule; every rectangle and line inside the margins; one
/// footer rule per page with only the footer under it.
fn assert_laid_out_cleanly(pages: &[Page], fonts: &Fonts, what: &str) {
    for (p, page) in pages.iter().enumerate() {
        let texts: Vec<(Bounds, String)> = page
            .items
            .iter()
            .filter_map(|i| text_bounds(fonts, i))
            .collect();
        for (b, text) in &texts {
            assert!(
                b.inside(page),
                "{what}, page {}: `{text}` outside the margins: {b:?}",
                p + 1
            );
        }
        for (i, (a, at)) in texts.iter().enumerate() {
            for (b, bt) in &texts[i + 1..] {
                assert!(!a.overlaps(b), "{what}, page {}: `{at}` over `{bt}`", p + 1);
            }
        }
        let mut rules = Vec::new();
        for item in &page.items {
            match item {
                Item::Qr {
                    x,
                    y,
                    module,
                    matrix,
                } => {
                    assert!(*module >= 1.0 - EPS, "{what}: QR modules of {module} mm");
                    let side = matrix.width as f64 * module;
                    let symbol = Bounds {
                        left: *x,
                        right: x + side,
                        top: *y,
                        bottom: y + side,
                    };
                    assert!(symbol.inside(page), "{what}: the QR runs into the margin");
                    // The quiet zone may lie in the margin, but on the page
                    // and with nothing else in it.
                    let quiet = 4.0 * module;
                    let zone = Bounds {
                        left: x - quiet,
                        right: x + side + quiet,
                        top: y - quiet,
                        bottom: y + side + quiet,
                    };
                    assert!(
                        zone.left >= 0.0
                            && zone.top >= 0.0
                            && zone.right <= page.width
                            && zone.bottom <= page.height,
                        "{what}: the quiet zone runs off the page"
                    );
                    for other in &page.items {
                        let bounds = match other {
                            Item::Qr { .. } => continue,
                            Item::Text { .. } => text_bounds(fonts, other).unwrap().0,
                            Item::Rect { x, y, w, h, .. } => Bounds {
                                left: *x,
                                right: x + w,
                                top: *y,
                                bottom: y + h,
                            },
                            Item::Line { x1, y1, x2, y2, .. } => Bounds {
                                left: x1.min(*x2),
                                right: x1.max(*x2),
                                top: y1.min(*y2) - EPS,
                                bottom: y1.max(*y2) + EPS,
                            },
                        };
                        assert!(
                            !bounds.overlaps(&zone),
                            "{what}: {other:?} in the QR's quiet zone"
                        );
                    }
                }
                Item::Rect { x, y, w, h, .. } => {
                    let r = Bounds {
                        left: *x,
                        right: x + w,
                        top: *y,
                        bottom: y + h,
                    };
                    assert!(r.inside(page), "{what}, page {}: a box {r:?}", p + 1);
                }
                Item::Line { x1, y1, x2, y2, .. } => {
                    let r = Bounds {
                        left: *x1,
                        right: *x2,
                        top: *y1,
                        bottom: *y2,
                    };
                    assert!(r.inside(page), "{what}, page {}: a line {r:?}", p + 1);
                    for (b, text) in &texts {
                        let crosses = b.right.min(*x2) - b.left.max(*x1) > EPS
                            && b.top < y1 - EPS
                            && b.bottom > y1 + EPS;
                        assert!(!crosses, "{what}, page {}: a rule through `{text}`", p + 1);
                    }
                    if (x1 - MARGIN).abs() < EPS && (x2 - (page.width - MARGIN)).abs() < EPS {
                        rules.push(*y1);
                    }
                }
                Item::Text { .. } => {}
            }
        }
        assert_eq!(rules.len(), 1, "{what}, page {}: one footer rule", p + 1);
        let under = texts.iter().filter(|(b, _)| b.top > rules[0]).count();
        assert!(
            (2..=3).contains(&under),
            "{what}, page {}: {under} texts under the footer rule",
            p + 1
        );
    }
}

/// Text without whitespace, so wrapped lines still match.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Each copy has every code once, in order, and every paragraph whole.
fn assert_nothing_lost(fixture: &Fixture, pages: &[Page], fonts: &Fonts, what: &str) {
    let content = fixture.content();
    let t = content.template;
    let qr = fixture.qr();
    let geometry = {
        let (width, height) = fixture.paper.size_mm();
        Geometry { width, height }
    };
    let first = header::first_page(&content, &qr, fonts, &geometry).unwrap();
    let later = header::later_pages(&content, fonts, &geometry).unwrap();
    let copies = fixture.copies as usize;
    assert_eq!(pages.len() % copies, 0);
    let per_copy = pages.len() / copies;
    let format = fixture.codes.format();
    let codes: Vec<String> = fixture
        .codes
        .codes()
        .iter()
        .map(|c| format.display(c).to_string())
        .collect();
    let mut paragraphs: Vec<String> = [
        Key::Howto,
        Key::OrderInOrder,
        Key::AdviceGoogle,
        Key::LowCodes,
    ]
    .iter()
    .map(|k| t.text(*k).to_owned())
    .collect();
    paragraphs.push(t.fill(Key::CodesHeading, &[("count", &codes.len().to_string())]));
    match &fixture.replaces {
        Some(r) => {
            paragraphs.push(t.text(Key::DestroyHeading).to_owned());
            paragraphs.push(t.text(Key::DestroyBody).to_owned());
            paragraphs.push(t.fill(
                Key::DestroyReplaces,
                &[
                    ("set_id", &r.set_id.to_string()),
                    ("generation", &r.generation.to_string()),
                    ("issued", &r.issued_at.format("%Y-%m-%d %H:%M").to_string()),
                ],
            ));
            paragraphs.push(t.fill(Key::DestroyOlder, &[("n", &fixture.older_sets.to_string())]));
        }
        None => {
            paragraphs.push(t.text(Key::DestroyHeadingFirst).to_owned());
            paragraphs.push(t.text(Key::DestroyFirst).to_owned());
        }
    }
    for (copy, pages) in pages.chunks(per_copy).enumerate() {
        let mut flow = String::new();
        let mut mono = Vec::new();
        let mut codes_per_page = Vec::new();
        for (index, page) in pages.iter().enumerate() {
            codes_per_page.push(mono.len());
            let top = if index == 0 { &first } else { &later };
            let footer = page.items.len()
                - page
                    .items
                    .iter()
                    .rev()
                    .position(|i| matches!(i, Item::Line { .. }))
                    .unwrap()
                - 1;
            for item in &page.items[top.items.len()..footer] {
                if let Item::Text { text, face, .. } = item {
                    flow.push_str(text);
                    if *face == Face::Mono && codes.contains(text) {
                        mono.push(text.to_string());
                    }
                }
            }
        }
        assert_eq!(mono, codes, "{what}, copy {}: the codes in order", copy + 1);
        // The table starts where three of its rows fit under its heading.
        codes_per_page.push(mono.len());
        let first_rows = codes_per_page
            .windows(2)
            .map(|w| w[1] - w[0])
            .find(|n| *n > 0)
            .unwrap_or(0);
        assert!(
            first_rows >= codes.len().min(3),
            "{what}: {first_rows} rows start the table"
        );
        let flow = squash(&flow);
        for paragraph in &paragraphs {
            assert!(
                flow.contains(&squash(paragraph)),
                "{what}, copy {}: `{paragraph}` is not whole",
                copy + 1
            );
        }
    }
}

/// Issue 11, item 8 ("nothing off the page"): the longest of everything, in
/// both languages on both papers, first sheets and replacing ones.
#[test]
fn maximal_sheets_stay_inside_the_margins_and_overlap_nothing() {
    let fonts = Fonts::load();
    let latin: String = "shared-office-mailbox."
        .chars()
        .cycle()
        .take(MAX_LABEL_CHARS - 12)
        .chain("@example.com".chars())
        .collect();
    let japanese: String = "株式会社サンプル経理部共有アカウント"
        .chars()
        .cycle()
        .take(MAX_LABEL_CHARS)
        .collect();
    let label: String = "Fireproof safe, back office, second floor, bottom drawer; "
        .chars()
        .cycle()
        .take(MAX_LABEL_CHARS)
        .collect();
    let mut rng = StdRng::seed_from_u64(5);
    let format = Format::parse(&"X-".repeat(MAX_SYMBOLS)[..2 * MAX_SYMBOLS - 1]).unwrap();
    for lang in [Lang::En, Lang::Ja] {
        for paper in [Paper::A4, Paper::Letter] {
            // Found for the first account (the smaller QR leaves the header
            // the most room), then shortened where the second needs it.
            let mut lengths = all_at_the_limit();
            for account in [&latin, &japanese] {
                let what = format!("{lang:?} {paper:?} {}", &account[..6]);
                let mut fixture = Fixture::new(lang, paper, account.clone());
                fixture.label = label.clone();
                fixture.names = label.clone();
                fixture.copies = MAX_COPIES;
                if account == &japanese {
                    fixture.replaces = Some(ReplacedSet {
                        set_id: SetId::parse("QRST-VWXY").unwrap(),
                        generation: 41,
                        issued_at: fixture.issued_at,
                    });
                    fixture.older_sets = 40;
                }
                fixture.codes = generate_set(&mut rng, &format, MAX_COUNT as usize).unwrap();
                fit_lengths(&mut fixture, lang, &mut lengths, &fonts);
                let pages = fixture
                    .layout(&fonts)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_laid_out_cleanly(&pages, &fonts, &what);
                assert_nothing_lost(&fixture, &pages, &fonts, &what);
            }
        }
    }
}

/// Ordinary sheets of every size of set, with and without copies.
#[test]
fn ordinary_sheets_are_laid_out_cleanly() {
    let fonts = Fonts::load();
    let mut rng = StdRng::seed_from_u64(9);
    for lang in [Lang::En, Lang::Ja] {
        for paper in [Paper::A4, Paper::Letter] {
            for count in [1, 10, 20, 21, 40, 100] {
                let mut fixture = Fixture::new(lang, paper, "shop@example.com".into());
                fixture.codes = generate_set(
                    &mut rng,
                    &Format::parse("XXXX-XXXX-XXXX-XXXX").unwrap(),
                    count,
                )
                .unwrap();
                fixture.copies = 2;
                let pages = fixture.layout(&fonts).unwrap();
                let what = format!("{lang:?} {paper:?} {count}");
                assert_laid_out_cleanly(&pages, &fonts, &what);
                assert_nothing_lost(&fixture, &pages, &fonts, &what);
            }
        }
    }
}

/// The largest set a supported service issues (GitHub's 16) fits on page 1
/// with every row of the header and storage block filled, on both papers;
/// 40 codes take two pages.
#[test]
fn a_services_largest_set_fits_on_page_one_and_forty_codes_take_two_pages() {
    let fonts = Fonts::load();
    let mut rng = StdRng::seed_from_u64(3);
    let format = Format::parse("XXXX-XXXX-XXXX-XXXX").unwrap();
    for lang in [Lang::En, Lang::Ja] {
        for paper in [Paper::A4, Paper::Letter] {
            let mut fixture = Fixture::new(lang, paper, "sixteen@example.com".into());
            fixture.label = "Safe, 2F".into();
            fixture.names = "Sample Co.".into();
            fixture.codes = generate_set(&mut rng, &format, 16).unwrap();
            assert_eq!(
                fixture.layout(&fonts).unwrap().len(),
                1,
                "{lang:?} {paper:?}"
            );
            fixture.codes = generate_set(&mut rng, &format, 40).unwrap();
            assert_eq!(
                fixture.layout(&fonts).unwrap().len(),
                2,
                "{lang:?} {paper:?}"
            );
        }
    }
}

/// The header is designed for issue 13's compact QR (version 3, 29
/// modules): with it, twenty codes fit on page 1 of A4 again, as before the
/// QR's modules grew to 1 mm.
#[test]
fn with_a_version_3_qr_twenty_codes_fit_on_page_one_of_a4() {
    let fonts = Fonts::load();
    let fixture = Fixture::new(Lang::En, Paper::A4, "twenty@example.com".into());
    let qr = QrMatrix::for_mark(&fixture.content().mark()).unwrap();
    assert_eq!(qr.width, 29);
    let format = Format::parse("XXXX-XXXX-XXXX-XXXX").unwrap();
    for lang in [Lang::En, Lang::Ja] {
        let mut fixture = Fixture::new(lang, Paper::A4, "twenty@example.com".into());
        fixture.label = "Safe, 2F".into();
        fixture.codes = generate_set(&mut StdRng::seed_from_u64(2), &format, 20).unwrap();
        let pages = layout(&fixture.content(), &qr, &fonts).unwrap();
        assert_eq!(pages.len(), 1, "{lang:?}");
        assert_laid_out_cleanly(&pages, &fonts, "twenty");
    }
}

/// A label that would not fit its column, a footer too long for its line, a
/// caption longer than the room under the QR: refused, naming the key.
#[test]
fn texts_with_a_place_of_fixed_size_are_refused_by_their_key_when_too_long() {
    let fonts = Fonts::load();
    for key in [
        Key::Title,
        Key::LabelAccount,
        Key::LabelSetId,
        Key::LabelLocation,
        Key::QrCaption,
        Key::UsedOn,
        Key::UsedBy,
        Key::ShreddedOn,
        Key::ShreddedBy,
        Key::CodesContinued,
        Key::Footer,
        Key::CopyOf,
        Key::PageOf,
    ] {
        let mut fixture = Fixture::new(Lang::En, Paper::A4, "a@example.com".into());
        fixture.copies = 2;
        fixture.template = fixture
            .template
            .with_text(key, filler(Lang::En, key, MAX_TEMPLATE_TEXT_CHARS));
        let err = fixture.layout(&fonts).unwrap_err();
        assert_eq!(err, SheetError::TextDoesNotFit { key }, "{}", key.name());
        assert!(
            err.to_string().contains(&format!("`{}`", key.name())),
            "{err}"
        );
    }
}

/// Issue 13: modules of at least 1 mm; a version 3 symbol in a box of about
/// 40 mm; a larger symbol gets a larger box, never smaller modules.
#[test]
fn qr_modules_are_never_smaller_than_a_millimetre() {
    for width in [21, 25, 29] {
        let (module, side) = qr_size(width);
        assert!(module >= 1.0, "{width}: {module} mm");
        assert!((side - 40.0).abs() < EPS, "{width}: {side} mm");
    }
    let (module, side) = qr_size(29);
    assert!((1.0..=1.1).contains(&module), "{module}");
    assert!((37.0..=40.0 + EPS).contains(&side), "{side}");
    for width in [33, 41, 61, 101] {
        let (module, side) = qr_size(width);
        assert!((module - 1.0).abs() < EPS, "{width}: {module} mm");
        assert!(
            (side - (width as f64 + 8.0)).abs() < EPS,
            "{width}: {side} mm"
        );
    }
}

/// Issue 13: "セットID" and its value on one line of page 2, whatever the account.
#[test]
fn later_pages_keep_every_label_on_its_value_line() {
    let fonts = Fonts::load();
    let mut rng = StdRng::seed_from_u64(4);
    let account: String = "株式会社サンプル経理部共有アカウント"
        .repeat(3)
        .chars()
        .take(52)
        .collect();
    for paper in [Paper::A4, Paper::Letter] {
        let mut fixture = Fixture::new(Lang::Ja, paper, account.clone());
        let format = Format::parse("XXXX-XXXX-XXXX-XXXX").unwrap();
        fixture.codes = generate_set(&mut rng, &format, 40).unwrap();
        let pages = fixture.layout(&fonts).unwrap();
        assert!(pages.len() >= 2);
        let t = &fixture.template;
        for page in &pages {
            let baseline_of = |wanted: &str| {
                page.items.iter().find_map(|i| match i {
                    Item::Text { y, text, .. } if text.as_str() == wanted => Some(*y),
                    _ => None,
                })
            };
            let label = baseline_of(t.text(Key::LabelSetId)).expect("set ID label");
            let value = baseline_of("7K2Q-M9XA").expect("set ID value");
            assert!((label - value).abs() < EPS, "{paper:?}: {label} vs {value}");
        }
    }
}

/// Issue 13: header values start at one x, page 1 and later pages alike.
#[test]
fn header_values_start_in_one_column() {
    let fonts = Fonts::load();
    for lang in [Lang::En, Lang::Ja] {
        let mut fixture = Fixture::new(lang, Paper::A4, "shop@example.com".into());
        fixture.names = "Sample Co.".into();
        let format = Format::parse("XXXX-XXXX-XXXX-XXXX").unwrap();
        fixture.codes = generate_set(&mut StdRng::seed_from_u64(1), &format, 40).unwrap();
        let pages = fixture.layout(&fonts).unwrap();
        let t = &fixture.template;
        let labels = [
            Key::LabelAccount,
            Key::LabelService,
            Key::LabelOrganisation,
            Key::LabelIssued,
            Key::LabelGeneration,
            Key::LabelSetId,
        ];
        for (index, page) in pages.iter().enumerate() {
            let mut xs = Vec::new();
            for key in labels {
                // The item drawn right after a label is its value.
                let at = page.items.iter().position(
                    |i| matches!(i, Item::Text { text, .. } if text.as_str() == t.text(key)),
                );
                let Some(at) = at else {
                    assert!(index > 0, "{lang:?}: {} on page 1", key.name());
                    continue;
                };
                let Item::Text { x, .. } = &page.items[at + 1] else {
                    panic!("a value after {}", key.name());
                };
                xs.push(*x);
            }
            assert!(xs.len() >= 2);
            assert!(
                xs.iter().all(|x| (x - xs[0]).abs() < EPS),
                "{lang:?}: {xs:?}"
            );
        }
    }
}
