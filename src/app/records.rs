//! Ledger commands: `list`, `show`, `check`, `mark-used`, `revoke`.

use serde_json::json;

use super::Context;
use crate::labels::{account_label, optional_label};
use crate::cli::{CheckArgs, ListArgs, MarkUsedArgs, RevokeArgs, ShowArgs};
use crate::codes::SetId;
use crate::error::{Error, exit};
use crate::ledger::{GenerationRecord, Ledger, LedgerError, Status};
use crate::messages::Msg;
use crate::scan;

/// When this many codes or fewer remain, a new set should be printed.
pub const LOW_CODES: u32 = 3;

fn status_key(status: Status) -> &'static str {
    match status {
        Status::Current => "status_current",
        Status::Superseded => "status_superseded",
        Status::Revoked => "status_revoked",
    }
}

fn date(at: &chrono::DateTime<chrono::FixedOffset>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

pub fn list(ctx: &Context, args: &ListArgs) -> Result<(), Error> {
    let accounts = match ctx.read_ledger()? {
        Some(ledger) => ledger.accounts()?,
        None => Vec::new(),
    };
    if args.json {
        let rows: Vec<_> = accounts
            .iter()
            .map(|r| {
                json!({
                    "account": r.account,
                    "generation": r.generation,
                    "set_id": r.set_id.to_string(),
                    "issued_at": r.issued_at.to_rfc3339(),
                    "status": r.status.as_str(),
                    "count": r.count,
                    "used": r.used.len(),
                    "next_inventory": r.next_inventory.map(|d| d.to_string()),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        );
        return Ok(());
    }
    if accounts.is_empty() {
        ctx.say(ctx.messages.text("list_empty"));
        return Ok(());
    }
    let m = &ctx.messages;
    let header = [
        m.text("col_account"),
        m.text("col_generation"),
        m.text("col_set_id"),
        m.text("col_issued"),
        m.text("col_left"),
        m.text("col_next_inventory"),
        m.text("col_status"),
    ];
    let rows: Vec<[String; 7]> = accounts
        .iter()
        .map(|r| {
            [
                r.account.clone(),
                r.generation.to_string(),
                r.set_id.to_string(),
                date(&r.issued_at),
                format!("{}/{}", r.remaining(), r.count),
                r.next_inventory.map(|d| d.to_string()).unwrap_or_default(),
                m.text(status_key(r.status)).to_owned(),
            ]
        })
        .collect();
    print_table(&header, &rows);
    Ok(())
}

/// Prints aligned columns; widths count characters (good enough for ASCII and
/// readable for Japanese, whose double-width letters only push the rest right).
fn print_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

pub fn show(ctx: &Context, args: &ShowArgs) -> Result<(), Error> {
    let account = account_label(&args.account)?;
    let history = match ctx.read_ledger()? {
        Some(ledger) => ledger.history(&account)?,
        None => Vec::new(),
    };
    if history.is_empty() {
        return Err(LedgerError::UnknownAccount(account).into());
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&history).unwrap_or_default()
        );
        return Ok(());
    }
    let m = &ctx.messages;
    println!("{account}");
    for r in &history {
        let status = match (&r.status, &r.superseded_by, &r.status_changed_at) {
            (Status::Superseded, Some(by), Some(at)) => m.fill(
                "show_superseded",
                &[("set_id", &by.to_string()), ("date", &date(at))],
            ),
            (Status::Revoked, _, Some(at)) => m.fill("show_revoked", &[("date", &date(at))]),
            (s, _, _) => m.text(status_key(*s)).to_owned(),
        };
        println!(
            "  {}",
            m.fill(
                "show_generation",
                &[
                    ("generation", &r.generation.to_string()),
                    ("set_id", &r.set_id.to_string()),
                    ("issued", &date(&r.issued_at)),
                    ("count", &r.count.to_string()),
                    ("format", &r.format),
                    ("source", &r.source),
                    ("status", &status),
                ],
            )
        );
        for place in [&r.location, &r.custodian].into_iter().flatten() {
            println!("      {place}");
        }
        for used in &r.used {
            println!(
                "      {}",
                m.fill(
                    "show_used",
                    &[
                        ("number", &used.number.to_string()),
                        ("date", &date(&used.used_at)),
                        ("by", used.by.as_deref().unwrap_or("-")),
                    ],
                )
            );
        }
    }
    Ok(())
}

/// What the ledger says about a set, and the exit code that goes with it.
pub struct Verdict {
    pub exit_code: u8,
    pub message: String,
    pub json: serde_json::Value,
}

/// Looks a set up and words the verdict.
pub fn verdict(
    ctx: &Context,
    ledger: Option<&dyn Ledger>,
    set_id: &SetId,
) -> Result<Verdict, Error> {
    let m = &ctx.messages;
    let found = match ledger {
        Some(l) => l.find_set(set_id)?,
        None => None,
    };
    let id = set_id.to_string();
    let Some((record, current)) = found else {
        let ledger_path = ctx.ledger_path()?.display().to_string();
        return Ok(Verdict {
            exit_code: exit::UNKNOWN_SET,
            message: m.fill(
                "check_unknown",
                &[("set_id", &id), ("ledger", &ledger_path)],
            ),
            json: json!({ "set_id": id, "status": "unknown" }),
        });
    };
    let base = |status: &str, extra: Option<&GenerationRecord>| {
        json!({
            "set_id": id,
            "status": status,
            "account": record.account,
            "generation": record.generation,
            "issued_at": record.issued_at.to_rfc3339(),
            "current": extra.map(|c| json!({
                "generation": c.generation,
                "set_id": c.set_id.to_string(),
                "issued_at": c.issued_at.to_rfc3339(),
            })),
        })
    };
    let values = |extra: &[(&'static str, String)]| -> Vec<(&'static str, String)> {
        let mut v = vec![
            ("set_id", id.clone()),
            ("account", record.account.clone()),
            ("generation", record.generation.to_string()),
            ("issued", date(&record.issued_at)),
            ("left", record.remaining().to_string()),
            ("count", record.count.to_string()),
        ];
        v.extend(extra.iter().cloned());
        v
    };
    let fill = |key: &str, v: Vec<(&str, String)>| {
        let refs: Vec<(&str, &str)> = v.iter().map(|(k, s)| (*k, s.as_str())).collect();
        m.fill(key, &refs)
    };
    Ok(match record.status {
        Status::Current => Verdict {
            exit_code: exit::OK,
            message: fill("check_current", values(&[])),
            json: base("current", None),
        },
        Status::Superseded => {
            let newer = current.as_ref();
            let message = match newer {
                Some(c) => fill(
                    "check_superseded",
                    values(&[
                        ("new_generation", c.generation.to_string()),
                        ("new_set_id", c.set_id.to_string()),
                        ("new_issued", date(&c.issued_at)),
                    ]),
                ),
                None => fill("check_superseded_no_current", values(&[])),
            };
            Verdict {
                exit_code: exit::SUPERSEDED,
                message,
                json: base("superseded", newer),
            }
        }
        Status::Revoked => Verdict {
            exit_code: exit::REVOKED,
            message: fill(
                "check_revoked",
                values(&[(
                    "revoked",
                    record
                        .status_changed_at
                        .as_ref()
                        .map(date)
                        .unwrap_or_default(),
                )]),
            ),
            json: base("revoked", current.as_ref()),
        },
    })
}

pub fn check(ctx: &Context, args: &CheckArgs) -> Result<u8, Error> {
    let set_id = match (&args.set_id, &args.scan) {
        (Some(typed), _) => SetId::parse(typed)?,
        (None, Some(image)) => {
            let mark = scan::scan_file(image)?;
            ctx.detail(&ctx.messages.fill(
                "detail_qr",
                &[
                    ("account", &mark.account),
                    ("generation", &mark.generation.to_string()),
                    ("set_id", &mark.set_id.to_string()),
                ],
            ));
            mark.set_id
        }
        (None, None) => {
            return Err(Error::InvalidValue(Msg::new("check_nothing_to_check")));
        }
    };
    let ledger = ctx.read_ledger()?;
    let verdict = verdict(ctx, ledger.as_ref().map(|l| l as &dyn Ledger), &set_id)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&verdict.json).unwrap_or_default()
        );
    }
    // The verdict is the product of `check`: printed even with --quiet, on
    // stdout so scripts can read it, unless JSON was asked for.
    if !args.json {
        println!("{}", verdict.message);
    }
    Ok(verdict.exit_code)
}

pub fn mark_used(ctx: &Context, args: &MarkUsedArgs) -> Result<(), Error> {
    let account = account_label(&args.account)?;
    let by = optional_label("field_name", args.by.as_deref())?;
    let mut ledger = ctx.existing_ledger(&account)?;
    let mut txn = ledger.begin_write()?;
    let record = txn.mark_used(&account, args.number, super::now(), by.as_deref())?;
    txn.commit()?;
    let m = &ctx.messages;
    let left = record.remaining();
    ctx.say(&m.fill(
        "marked_used",
        &[
            ("number", &args.number.to_string()),
            ("account", &account),
            ("set_id", &record.set_id.to_string()),
            ("left", &left.to_string()),
            ("count", &record.count.to_string()),
        ],
    ));
    if left <= LOW_CODES {
        // Shown even with --quiet: this is the moment a new sheet is needed.
        eprintln!(
            "{}",
            m.fill(
                "low_codes",
                &[("left", &left.to_string()), ("account", &account)]
            )
        );
    }
    Ok(())
}

pub fn revoke(ctx: &Context, args: &RevokeArgs) -> Result<(), Error> {
    let account = account_label(&args.account)?;
    let mut ledger = ctx.existing_ledger(&account)?;
    let mut txn = ledger.begin_write()?;
    let record = txn.revoke(&account, super::now())?;
    txn.commit()?;
    ctx.say(&ctx.messages.fill(
        "revoke_done",
        &[
            ("account", &account),
            ("generation", &record.generation.to_string()),
            ("set_id", &record.set_id.to_string()),
        ],
    ));
    Ok(())
}
