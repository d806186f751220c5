//! Line breaking: Latin at spaces, Japanese between characters with kinsoku, runs in more than one face on a line.

use crate::sheet::fonts::{Face, Measure};

/// Points per step when a text is shrunk to fit.
pub const SHRINK_STEP: f64 = 0.5;

/// A stretch of text in one face, at a scale of the size it is set at
/// (1.0 for ordinary text; the set ID to destroy is set larger in its line).
#[derive(Debug, Clone, Copy)]
pub struct Span<'a> {
    pub text: &'a str,
    pub face: Face,
    pub scale: f64,
}

impl<'a> Span<'a> {
    pub fn plain(text: &'a str) -> Span<'a> {
        Span {
            text,
            face: Face::Text,
            scale: 1.0,
        }
    }
}

/// One piece of a laid line, `dx` millimetres from the line's start.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub dx: f64,
    pub face: Face,
    pub size: f64,
    pub text: String,
}

/// A line as wrapped: its runs and its width.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub runs: Vec<Run>,
    pub width: f64,
}

impl Line {
    /// The line's characters, runs joined.
    pub fn text(&self) -> String {
        self.runs.iter().map(|r| r.text.as_str()).collect()
    }

    /// The largest size on the line, which sets its height.
    pub fn size(&self) -> f64 {
        self.runs.iter().map(|r| r.size).fold(0.0, f64::max)
    }
}

/// Whether a piece may start a new line or must stay on the line of the piece before it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Glue {
    MayBreak,
    StaysWithPrevious,
}

#[derive(Debug, Clone)]
struct Piece {
    text: String,
    face: Face,
    scale: f64,
    /// Width at 1 pt (widths grow with the size, so one measuring serves every size tried).
    width: f64,
    space: bool,
    glue: Glue,
}

/// Text split where lines may break, measured once, to be wrapped at any size.
#[derive(Debug, Clone)]
pub struct Measured {
    pieces: Vec<Piece>,
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Characters that must not start a line (kinsoku): closing brackets and punctuation.
fn no_line_start(c: char) -> bool {
    "、。，．）」』】〕〉》・ー！？：；,.!?:;)]}ぁぃぅぇぉっゃゅょァィゥェォッャュョ".contains(c)
}

/// Characters that must not end a line: opening brackets.
fn no_line_end(c: char) -> bool {
    "（「『【〔〈《([{".contains(c)
}

impl Measured {
    /// Plain text in one face.
    pub fn plain(m: &dyn Measure, face: Face, s: &str) -> Measured {
        Measured::new(
            m,
            &[Span {
                text: s,
                face,
                scale: 1.0,
            }],
        )
    }

    /// Spans in order: runs of non-space Latin characters, single CJK
    /// characters and spaces become pieces; a piece that may not start a line
    /// stays with the one before it, even across spans.
    pub fn new(m: &dyn Measure, spans: &[Span<'_>]) -> Measured {
        let mut pieces: Vec<Piece> = Vec::new();
        let mut prev: Option<char> = None;
        for span in spans {
            let mut first_of_span = true;
            for c in span.text.chars() {
                let joins = match prev {
                    Some(p) => {
                        (!c.is_whitespace() && !p.is_whitespace() && !is_cjk(c) && !is_cjk(p))
                            || (no_line_start(c) && !p.is_whitespace())
                            || (no_line_end(p) && !c.is_whitespace())
                    }
                    None => false,
                };
                match pieces.last_mut() {
                    Some(last) if joins && !first_of_span => last.text.push(c),
                    _ => pieces.push(Piece {
                        text: c.to_string(),
                        face: span.face,
                        scale: span.scale,
                        width: 0.0,
                        space: c.is_whitespace(),
                        glue: if joins {
                            Glue::StaysWithPrevious
                        } else {
                            Glue::MayBreak
                        },
                    }),
                }
                prev = Some(c);
                first_of_span = false;
            }
        }
        for piece in &mut pieces {
            piece.width = m.width_mm(piece.face, piece.scale, &piece.text);
        }
        Measured { pieces }
    }

    /// Greedy line breaking at `size` within `max_w`; a word longer than the
    /// line is cut between characters. Spaces at a break are dropped.
    pub fn wrap(&self, m: &dyn Measure, size: f64, max_w: f64) -> Vec<Line> {
        let mut lines = Vec::new();
        let mut line = LineBuilder::new(size);
        // Spaces waiting for a word to follow them on the line.
        let mut spaces: Vec<&Piece> = Vec::new();
        let mut i = 0;
        while i < self.pieces.len() {
            if self.pieces[i].space {
                spaces.push(&self.pieces[i]);
                i += 1;
                continue;
            }
            // A word: this piece and every piece glued after it.
            let mut end = i + 1;
            while end < self.pieces.len() && self.pieces[end].glue == Glue::StaysWithPrevious {
                end += 1;
            }
            let word = &self.pieces[i..end];
            let word_w: f64 = word.iter().map(|p| p.width * size).sum();
            let spaces_w: f64 = spaces.iter().map(|p| p.width * size).sum();
            if line.is_empty() || line.width + spaces_w + word_w > max_w {
                if !line.is_empty() {
                    lines.push(line.finish());
                    line = LineBuilder::new(size);
                }
            } else {
                for space in &spaces {
                    line.push(space, &space.text, space.width * size);
                }
            }
            spaces.clear();
            if line.width + word_w <= max_w {
                for piece in word {
                    line.push(piece, &piece.text, piece.width * size);
                }
            } else {
                for piece in word {
                    for c in piece.text.chars() {
                        let ch = c.encode_utf8(&mut [0; 4]).to_owned();
                        let w = m.width_mm(piece.face, size * piece.scale, &ch);
                        if line.width + w > max_w && !line.is_empty() {
                            lines.push(line.finish());
                            line = LineBuilder::new(size);
                        }
                        line.push(piece, &ch, w);
                    }
                }
            }
            i = end;
        }
        if !line.is_empty() {
            lines.push(line.finish());
        }
        if lines.is_empty() {
            lines.push(Line {
                runs: Vec::new(),
                width: 0.0,
            });
        }
        lines
    }
}

/// A line being filled: runs merge while face and scale stay the same.
struct LineBuilder {
    size: f64,
    runs: Vec<Run>,
    width: f64,
}

impl LineBuilder {
    fn new(size: f64) -> LineBuilder {
        LineBuilder {
            size,
            runs: Vec::new(),
            width: 0.0,
        }
    }

    fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    fn push(&mut self, piece: &Piece, text: &str, width: f64) {
        let size = self.size * piece.scale;
        match self.runs.last_mut() {
            Some(run) if run.face == piece.face && run.size == size => run.text.push_str(text),
            _ => self.runs.push(Run {
                dx: self.width,
                face: piece.face,
                size,
                text: text.to_owned(),
            }),
        }
        self.width += width;
    }

    fn finish(self) -> Line {
        Line {
            runs: self.runs,
            width: self.width,
        }
    }
}

/// Millimetres per step when lines are evened out.
const BALANCE_STEP: f64 = 0.5;

/// The same number of lines as at `max_w`, as even as they go: wrapped at the
/// narrowest width that takes no more lines (a caption of two lines rather
/// than a full line and one word).
pub fn balanced(m: &dyn Measure, text: &Measured, size: f64, max_w: f64) -> Vec<Line> {
    let mut best = text.wrap(m, size, max_w);
    let count = best.len();
    let mut width = max_w - BALANCE_STEP;
    while count > 1 && width > BALANCE_STEP {
        let lines = text.wrap(m, size, width);
        if lines.len() > count {
            break;
        }
        best = lines;
        width -= BALANCE_STEP;
    }
    best
}

/// Sizes a text may be set at, largest first.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub max: f64,
    pub min: f64,
}

/// How a text may be set: the sizes it may take, and the most lines it
/// should take before it is shrunk.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub sizes: Sizes,
    pub lines: usize,
}

/// A text set at the largest size at which it takes no more than the lines
/// asked for, or at the smallest size in as many lines as it needs.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub size: f64,
    pub lines: Vec<Line>,
    /// Whether it took no more than the lines asked for.
    pub fits: bool,
}

/// Shrinks `text` in steps until it takes at most `setting.lines` lines of `max_w`.
pub fn fit(m: &dyn Measure, text: &Measured, max_w: f64, setting: Setting) -> Fitted {
    let Setting {
        sizes,
        lines: max_lines,
    } = setting;
    let mut size = sizes.max;
    loop {
        let lines = text.wrap(m, size, max_w);
        let fits = lines.len() <= max_lines && lines.iter().all(|l| l.width <= max_w + 1e-9);
        if fits || size - SHRINK_STEP < sizes.min - 1e-9 {
            return Fitted { size, lines, fits };
        }
        size -= SHRINK_STEP;
    }
}

/// Plain text wrapped into lines of at most `max_w` at `size`.
#[cfg(test)]
pub fn wrap(m: &dyn Measure, face: Face, size: f64, s: &str, max_w: f64) -> Vec<String> {
    Measured::plain(m, face, s)
        .wrap(m, size, max_w)
        .iter()
        .map(Line::text)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::fonts::Fonts;

    /// Every character 1 mm wide per point of size / 10.
    struct Fixed;
    impl Measure for Fixed {
        fn width_mm(&self, _face: Face, size_pt: f64, text: &str) -> f64 {
            text.chars().count() as f64 * size_pt / 10.0
        }
        fn extent(&self, _face: Face) -> (f64, f64) {
            (0.8, 0.2)
        }
    }

    /// Every shipped text, wrapped at many widths with the real fonts: no
    /// line is wider than asked (unless it is one character), and no
    /// character is lost or added.
    #[test]
    fn wrapped_lines_fit_and_keep_every_character() {
        use crate::lang::Lang;
        use crate::template::Template;
        let fonts = Fonts::load();
        for lang in [Lang::En, Lang::Ja] {
            let template = Template::embedded(lang);
            for (_, text) in template.all_texts() {
                for max_w in (15..=185).step_by(17).map(f64::from) {
                    let lines = wrap(&fonts, Face::Text, 9.0, text, max_w);
                    for line in &lines {
                        let w = fonts.width_mm(Face::Text, 9.0, line);
                        assert!(
                            w <= max_w + 1e-6 || line.chars().count() == 1,
                            "{line:?} is {w} mm wide, more than {max_w}"
                        );
                    }
                    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
                    assert_eq!(squeeze(&lines.concat()), squeeze(text), "{max_w} mm");
                }
            }
        }
    }

    #[test]
    fn wraps_latin_at_spaces() {
        let lines = wrap(&Fixed, Face::Text, 10.0, "one two three four", 9.0);
        assert_eq!(lines, ["one two", "three", "four"]);
    }

    #[test]
    fn wraps_japanese_between_characters_but_not_before_punctuation() {
        let lines = wrap(&Fixed, Face::Text, 10.0, "あいうえお。かきく", 5.0);
        assert_eq!(lines, ["あいうえ", "お。かきく"]);
    }

    #[test]
    fn an_opening_bracket_stays_with_what_follows_it() {
        let lines = wrap(&Fixed, Face::Text, 10.0, "あいう「えお」", 4.0);
        assert_eq!(lines, ["あいう", "「えお」"]);
    }

    #[test]
    fn cuts_words_longer_than_the_line() {
        let lines = wrap(&Fixed, Face::Text, 10.0, "abcdefghij", 4.0);
        assert_eq!(lines, ["abcd", "efgh", "ij"]);
    }

    /// The set ID in its own face and size: a comma after it stays with it,
    /// and the line keeps the runs apart with their offsets.
    #[test]
    fn spans_in_two_faces_share_a_line_and_punctuation_stays_with_them() {
        let spans = [
            Span::plain("Destroy set "),
            Span {
                text: "7K2Q-M9XA",
                face: Face::Mono,
                scale: 2.0,
            },
            Span::plain(", gen 1"),
        ];
        let text = Measured::new(&Fixed, &spans);
        let lines = text.wrap(&Fixed, 10.0, 30.0);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0].text(), "Destroy set");
        assert_eq!(lines[1].runs[0].text, "7K2Q-M9XA");
        assert_eq!(lines[1].runs[0].size, 20.0);
        assert_eq!(lines[1].runs[1].text, ", gen 1");
        assert_eq!(lines[1].runs[1].dx, 18.0);
        assert_eq!(lines[1].size(), 20.0);
    }

    #[test]
    fn balanced_lines_are_as_many_and_more_even() {
        let text = Measured::plain(&Fixed, Face::Text, "aaa bbb ccc ddd e");
        let greedy = text.wrap(&Fixed, 10.0, 15.0);
        assert_eq!(
            greedy.iter().map(Line::text).collect::<Vec<_>>(),
            ["aaa bbb ccc ddd", "e"]
        );
        let even = balanced(&Fixed, &text, 10.0, 15.0);
        assert_eq!(
            even.iter().map(Line::text).collect::<Vec<_>>(),
            ["aaa bbb", "ccc ddd e"]
        );
    }

    #[test]
    fn fit_shrinks_until_the_lines_are_few_enough_or_the_size_is_the_least() {
        let text = Measured::plain(&Fixed, Face::Text, "abcdefghij");
        let one_line = Setting {
            sizes: Sizes {
                max: 12.0,
                min: 6.0,
            },
            lines: 1,
        };
        let fitted = fit(&Fixed, &text, 8.0, one_line);
        assert_eq!((fitted.size, fitted.fits), (8.0, true));
        let fitted = fit(&Fixed, &text, 4.0, one_line);
        assert_eq!(
            (fitted.size, fitted.fits, fitted.lines.len()),
            (6.0, false, 2)
        );
    }
}
