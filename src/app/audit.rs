//! `audit`: the audit trail exported as CSV (UTF-8 with a byte-order mark, for Excel) or JSON: every event, when, who, with which tool version.

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, Local, TimeZone};

use super::Context;
use crate::cli::{AuditArgs, AuditFormat};
use crate::dates::parse_date;
use crate::error::Error;
use crate::labels::{account_key, account_label};
use crate::ledger::{Event, EventFilter, EventKind, Ledger};
use crate::messages::Msg;

/// The columns of the CSV export, in order.
const COLUMNS: [&str; 12] = [
    "id",
    "at",
    "event",
    "account",
    "set_id",
    "generation",
    "code_number",
    "by",
    "os_user",
    "db_role",
    "tool_version",
    "detail",
];

/// A checked audit query: whose events, since when.
#[derive(Debug, Clone, Default)]
pub struct Audit {
    pub account: Option<String>,
    pub since: Option<DateTime<FixedOffset>>,
}

impl Audit {
    /// `since` is a date as offices write it; the day starts at local midnight.
    pub fn new(account: Option<&str>, since: Option<&str>) -> Result<Self, Error> {
        let since = match since {
            Some(raw) => {
                let date = parse_date(raw).ok_or_else(|| {
                    Error::InvalidValue(Msg::new("not_a_date").with("value", raw))
                })?;
                let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
                Some(
                    Local
                        .from_local_datetime(&midnight)
                        .earliest()
                        .map_or_else(|| midnight.and_utc().fixed_offset(), |t| t.fixed_offset()),
                )
            }
            None => None,
        };
        let account = match account {
            Some(raw) => Some(account_label(raw)?),
            None => None,
        };
        Ok(Audit { account, since })
    }
}

/// The events the query selects, oldest first (an account's former names included).
pub fn events(ctx: &Context, req: &Audit) -> Result<Vec<Event>, Error> {
    let Some(ledger) = ctx.read_ledger()? else {
        return Ok(Vec::new());
    };
    let accounts = match &req.account {
        Some(account) => Some(with_former_names(&ledger, account)?),
        None => None,
    };
    Ok(ledger.events(&EventFilter {
        accounts,
        since: req.since,
    })?)
}

pub fn command(ctx: &Context, args: &AuditArgs) -> Result<(), Error> {
    let req = Audit::new(args.account.as_deref(), args.since.as_deref())?;
    let events = events(ctx, &req)?;
    let mut out = std::io::stdout().lock();
    write(args.format, &events, &mut out).map_err(|source| Error::Io {
        path: PathBuf::from("<stdout>"),
        source,
    })
}

/// The account and every name it had before (following `renamed` events).
fn with_former_names(ledger: &dyn Ledger, account: &str) -> Result<Vec<String>, Error> {
    let renames: Vec<Event> = ledger
        .events(&EventFilter::default())?
        .into_iter()
        .filter(|e| e.kind == EventKind::Renamed)
        .collect();
    let mut names = vec![account.to_owned()];
    let mut i = 0;
    while i < names.len() {
        let key = account_key(&names[i]);
        for e in &renames {
            if account_key(&e.account) == key
                && let Some(old) = &e.detail
                && !names.iter().any(|n| account_key(n) == account_key(old))
            {
                names.push(old.clone());
            }
        }
        i += 1;
    }
    Ok(names)
}

/// Writes the events as CSV (with a byte-order mark, for Excel) or JSON.
pub fn write(format: AuditFormat, events: &[Event], out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        AuditFormat::Json => {
            let text = serde_json::to_string_pretty(events).unwrap_or_default();
            writeln!(out, "{text}")?;
        }
        AuditFormat::Csv => {
            // The byte-order mark tells Excel the file is UTF-8.
            out.write_all(b"\xEF\xBB\xBF")?;
            let mut csv = csv::Writer::from_writer(&mut *out);
            let csv_err = |e: csv::Error| std::io::Error::other(e);
            csv.write_record(COLUMNS).map_err(csv_err)?;
            for e in events {
                let opt = |v: Option<String>| v.unwrap_or_default();
                csv.write_record([
                    e.id.to_string(),
                    e.at.to_rfc3339(),
                    e.kind.as_str().to_owned(),
                    e.account.clone(),
                    opt(e.set_id.as_ref().map(ToString::to_string)),
                    opt(e.generation.map(|g| g.to_string())),
                    opt(e.number.map(|n| n.to_string())),
                    opt(e.by.clone()),
                    e.os_user.clone(),
                    opt(e.db_role.clone()),
                    e.tool_version.clone(),
                    opt(e.detail.clone()),
                ])
                .map_err(csv_err)?;
            }
            csv.flush()?;
        }
    }
    out.flush()
}
