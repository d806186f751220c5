//! Dates as people type them: `2026-12-31`, `2026/12/31` and `2026年12月31日` (full-width digits too).

use chrono::NaiveDate;

/// The date `input` names, in any of the forms above (single-digit months
/// and days allowed, spaces around ignored); `None` when it names none.
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    // Full-width digits and separators, as Japanese input methods type them.
    let half: String = input
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '－' => '-',
            '／' => '/',
            c => c,
        })
        .collect();
    let parts: Vec<&str> = if let Some(rest) = half.strip_suffix('日') {
        let (year, rest) = rest.split_once('年')?;
        let (month, day) = rest.split_once('月')?;
        vec![year, month, day]
    } else if half.contains('-') {
        half.split('-').collect()
    } else {
        half.split('/').collect()
    };
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let number = |s: &str, len: std::ops::RangeInclusive<usize>| {
        let s = s.trim();
        (len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    NaiveDate::from_ymd_opt(
        i32::try_from(number(year, 4..=4)?).ok()?,
        number(month, 1..=2)?,
        number(day, 1..=2)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_offices_write() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 31);
        for input in [
            "2026-12-31",
            "2026/12/31",
            "2026年12月31日",
            " 2026年12月31日 ",
            "２０２６年１２月３１日",
            "２０２６／１２／３１",
        ] {
            assert_eq!(parse_date(input), d, "{input}");
        }
        assert_eq!(parse_date("2027/1/5"), NaiveDate::from_ymd_opt(2027, 1, 5));
        assert_eq!(
            parse_date("2027年1月5日"),
            NaiveDate::from_ymd_opt(2027, 1, 5)
        );
    }

    #[test]
    fn what_is_not_a_date() {
        for input in [
            "",
            "2026-13-01",
            "2026-02-30",
            "26-12-31",
            "2026-12",
            "2026.12.31",
            "2026/12-31x",
            "2026年12月",
            "tomorrow",
            "2026-12-31-01",
        ] {
            assert_eq!(parse_date(input), None, "{input}");
        }
    }
}
