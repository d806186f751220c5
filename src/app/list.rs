//! `list`: one line per account with what needs doing (inventory due, few codes left, sheets to shred, never printed), or a JSON array; `--due` for cron.

use chrono::NaiveDate;
use serde_json::json;

use super::Context;
use super::display::{LOW_CODES, date, print_table, status_key};
use crate::cli::ListArgs;
use crate::error::{Error, exit};
use crate::ledger::{AccountOverview, Ledger, Status};
use crate::messages::{Localized, Msg};

/// Something an account needs, as `list` and the web page show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// The next inventory date has passed.
    InventoryOverdue(NaiveDate),
    /// The current set has this many codes left (at most [`LOW_CODES`]).
    FewCodes(u32),
    /// Sheets of earlier sets not yet recorded as shredded.
    ToShred(u32),
    /// Generations never printed (a sheet of them should not exist).
    NeverPrinted(u32),
    /// A generation still being printed, or stopped part-way on another computer.
    BeingPrinted,
}

impl Due {
    /// How urgent, for sorting: lower first.
    fn rank(&self) -> u8 {
        match self {
            Due::FewCodes(0) => 0,
            Due::InventoryOverdue(_) => 1,
            Due::FewCodes(_) => 2,
            Due::NeverPrinted(_) => 3,
            Due::BeingPrinted => 4,
            Due::ToShred(_) => 5,
        }
    }

    /// The name scripts see in `--json`.
    pub fn code(&self) -> &'static str {
        match self {
            Due::InventoryOverdue(_) => "inventory_overdue",
            Due::FewCodes(_) => "few_codes_left",
            Due::ToShred(_) => "sheets_to_shred",
            Due::NeverPrinted(_) => "never_printed",
            Due::BeingPrinted => "being_printed",
        }
    }
}

impl Localized for Due {
    fn msg(&self) -> Msg {
        match self {
            Due::InventoryOverdue(date) => {
                Msg::new("due_inventory").with("date", date.format("%Y-%m-%d"))
            }
            Due::FewCodes(left) => Msg::new("due_few_codes").with("left", left),
            Due::ToShred(n) => Msg::new("due_to_shred").with("count", n),
            Due::NeverPrinted(n) => Msg::new("due_never_printed").with("count", n),
            Due::BeingPrinted => Msg::new("due_being_printed"),
        }
    }
}

/// What `account` needs on `today`, most urgent first. A retired account
/// needs no inventory and no new codes, but its old sheets still go.
pub fn due(account: &AccountOverview, today: NaiveDate) -> Vec<Due> {
    let latest = &account.latest;
    let mut out = Vec::new();
    if latest.status == Status::Current && account.retired_at.is_none() {
        if let Some(next) = latest.next_inventory
            && next < today
        {
            out.push(Due::InventoryOverdue(next));
        }
        if latest.remaining() <= LOW_CODES {
            out.push(Due::FewCodes(latest.remaining()));
        }
    }
    if latest.status == Status::Pending {
        out.push(Due::BeingPrinted);
    }
    if account.unprinted > 0 {
        out.push(Due::NeverPrinted(account.unprinted));
    }
    let printed_to_shred = account.unshredded.saturating_sub(account.unprinted);
    if printed_to_shred > 0 {
        out.push(Due::ToShred(printed_to_shred));
    }
    out.sort_by_key(Due::rank);
    out
}

/// Every account with what it needs, the most urgent first (then by name).
pub fn accounts_with_due(
    ledger: &dyn Ledger,
    today: NaiveDate,
) -> Result<Vec<(AccountOverview, Vec<Due>)>, Error> {
    let mut rows: Vec<(AccountOverview, Vec<Due>)> = ledger
        .overview()?
        .into_iter()
        .map(|a| {
            let d = due(&a, today);
            (a, d)
        })
        .collect();
    rows.sort_by(|(a, da), (b, db)| {
        let urgency = |d: &[Due]| d.first().map_or(u8::MAX, Due::rank);
        urgency(da)
            .cmp(&urgency(db))
            .then_with(|| a.latest.account.cmp(&b.latest.account))
    });
    Ok(rows)
}

/// [`accounts_with_due`] of the ledger in force; none while there is no ledger.
pub fn accounts(
    ctx: &Context,
    today: NaiveDate,
) -> Result<Vec<(AccountOverview, Vec<Due>)>, Error> {
    match ctx.read_ledger()? {
        Some(ledger) => accounts_with_due(&ledger, today),
        None => Ok(Vec::new()),
    }
}

pub fn command(ctx: &Context, args: &ListArgs) -> Result<u8, Error> {
    let today = super::now().date_naive();
    let mut rows = accounts(ctx, today)?;
    if args.due {
        rows.retain(|(_, d)| !d.is_empty());
    }
    let code = if args.due && !rows.is_empty() {
        exit::DUE
    } else {
        exit::OK
    };
    let m = &ctx.messages;
    if args.json {
        let out: Vec<_> = rows
            .iter()
            .map(|(a, d)| {
                let r = &a.latest;
                json!({
                    "account": r.account,
                    "generation": r.generation,
                    "set_id": r.set_id.to_string(),
                    "issued_at": r.issued_at.to_rfc3339(),
                    "status": r.status.as_str(),
                    "count": r.count,
                    "used": r.used.len(),
                    "next_inventory": r.next_inventory.map(|d| d.to_string()),
                    "retired_at": a.retired_at.map(|at| at.to_rfc3339()),
                    "sheets_to_shred": a.unshredded,
                    "never_printed": a.unprinted,
                    "due": d.iter().map(|d| json!({
                        "what": d.code(),
                        "text": d.message(crate::messages::Messages::english()),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(code);
    }
    if rows.is_empty() {
        let key = if args.due {
            "list_nothing_due"
        } else {
            "list_empty"
        };
        ctx.say(m.text(key));
        return Ok(code);
    }
    let header = [
        m.text("col_account"),
        m.text("col_generation"),
        m.text("col_set_id"),
        m.text("col_issued"),
        m.text("col_left"),
        m.text("col_next_inventory"),
        m.text("col_status"),
        m.text("col_due"),
    ];
    let table: Vec<[String; 8]> = rows
        .iter()
        .map(|(a, d)| {
            let r = &a.latest;
            let status = if a.retired_at.is_some() {
                m.text("status_retired").to_owned()
            } else {
                m.text(status_key(r.status)).to_owned()
            };
            [
                r.account.clone(),
                r.generation.to_string(),
                r.set_id.to_string(),
                date(&r.issued_at),
                format!("{}/{}", r.remaining(), r.count),
                r.next_inventory.map(|d| d.to_string()).unwrap_or_default(),
                status,
                d.iter()
                    .map(|d| d.message(m))
                    .collect::<Vec<_>>()
                    .join(m.text("list_separator")),
            ]
        })
        .collect();
    print_table(&header, &table);
    Ok(code)
}
