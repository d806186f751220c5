//! `check`: is a found sheet current? By its typed set ID or a photo of its QR.

use serde_json::json;

use super::Context;
use super::display::date;
use crate::cli::CheckArgs;
use crate::codes::SetId;
use crate::error::{Error, exit};
use crate::ledger::{GenerationRecord, Ledger, Status};
use crate::messages::Msg;
use crate::scan;

/// What the ledger says about a set, and the exit code that goes with it.
pub struct Verdict {
    pub exit_code: u8,
    /// What the ledger says, in a sentence or two.
    pub message: String,
    /// The command that records the sheet's shredding, when it awaits it
    /// (the command line prints it after the message; a page offers a form).
    pub shred_hint: Option<String>,
    pub json: serde_json::Value,
    /// The set's generation, when the ledger knows it.
    pub record: Option<GenerationRecord>,
}

/// Where the set ID being checked came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Typed on the command line: if the ledger does not know it, it may be
    /// a backup code typed by mistake (a Google code is eight symbols too),
    /// so it is not repeated.
    Typed,
    /// Read from a sheet's QR code: a set ID, safe to name.
    Scanned,
}

/// Looks a set up and words the verdict.
pub fn verdict(
    ctx: &Context,
    ledger: Option<&dyn Ledger>,
    set_id: &SetId,
    origin: Origin,
) -> Result<Verdict, Error> {
    let m = &ctx.messages;
    let found = match ledger {
        Some(l) => l.find_set(set_id)?,
        None => None,
    };
    let id = set_id.to_string();
    let Some((record, current)) = found else {
        let ledger_path = ctx.ledger_location()?.to_string();
        return Ok(match origin {
            Origin::Scanned => Verdict {
                exit_code: exit::UNKNOWN_SET,
                message: m.fill(
                    "check_unknown",
                    &[("set_id", &id), ("ledger", &ledger_path)],
                ),
                json: json!({ "set_id": id, "status": "unknown" }),
                record: None,
                shred_hint: None,
            },
            Origin::Typed => Verdict {
                exit_code: exit::UNKNOWN_SET,
                message: m.fill("check_unknown_typed", &[("ledger", &ledger_path)]),
                json: json!({ "set_id": null, "status": "unknown" }),
                record: None,
                shred_hint: None,
            },
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
    let mut verdict = match record.status {
        Status::Current => Verdict {
            exit_code: exit::OK,
            message: fill("check_current", values(&[])),
            json: base("current", None),
            record: None,
            shred_hint: None,
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
                record: None,
                shred_hint: None,
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
            record: None,
            shred_hint: None,
        },
        Status::Pending => Verdict {
            exit_code: exit::TEMPFAIL,
            message: fill("check_pending", values(&[])),
            json: base("pending", current.as_ref()),
            record: None,
            shred_hint: None,
        },
        // A sheet of a set never recorded as printed: like a superseded
        // one, it should not be there.
        Status::Unprinted => Verdict {
            exit_code: exit::SUPERSEDED,
            message: fill("check_unprinted", values(&[])),
            json: base("unprinted", current.as_ref()),
            record: None,
            shred_hint: None,
        },
    };
    verdict.record = Some(record.clone());
    // A sheet that should be gone: say whether its destruction is recorded.
    if record.awaits_shredding() {
        verdict.shred_hint = Some(m.fill("check_shred_hint", &[("set_id", &id)]));
    } else if let Some(at) = &record.shredded_at {
        verdict.message.push_str(&m.fill(
            "check_shredded",
            &[
                ("date", &date(at)),
                ("by", record.shredded_by.as_deref().unwrap_or("-")),
            ],
        ));
    }
    if let Some(object) = verdict.json.as_object_mut() {
        object.insert(
            "shredded_at".into(),
            json!(record.shredded_at.map(|at| at.to_rfc3339())),
        );
        object.insert("shredded_by".into(), json!(record.shredded_by));
    }
    Ok(verdict)
}

/// Looks the set up in the ledger (none yet: every set is unknown) and words the verdict.
pub fn check_set(ctx: &Context, set_id: &SetId, origin: Origin) -> Result<Verdict, Error> {
    let ledger = ctx.read_ledger()?;
    verdict(
        ctx,
        ledger.as_ref().map(|l| l as &dyn Ledger),
        set_id,
        origin,
    )
}

pub fn command(ctx: &Context, args: &CheckArgs) -> Result<u8, Error> {
    let (set_id, origin) = match (&args.set_id, &args.scan) {
        (Some(typed), _) => (SetId::parse(typed)?, Origin::Typed),
        (None, Some(image)) => {
            let mark = scan::scan_file(image)?;
            // Only the set ID is used: the account, generation and status
            // come from the ledger (issue 13). -v shows what the QR said.
            ctx.detail(&mark.said().render(&ctx.messages));
            (mark.set_id, Origin::Scanned)
        }
        (None, None) => {
            return Err(Error::InvalidValue(Msg::new("check_nothing_to_check")));
        }
    };
    let verdict = check_set(ctx, &set_id, origin)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&verdict.json).unwrap_or_default()
        );
    }
    // The verdict is the product of `check`: printed even with --quiet, on
    // stdout so scripts can read it, unless JSON was asked for.
    if !args.json {
        match &verdict.shred_hint {
            Some(hint) => println!("{}{hint}", verdict.message),
            None => println!("{}", verdict.message),
        }
    }
    Ok(verdict.exit_code)
}
