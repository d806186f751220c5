//! The pages and their forms: each turns a request into the application's validated values, calls the same function the command line calls, and shows what it returned. No rule lives here.

use std::cell::RefCell;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::header::{
    ACCEPT_LANGUAGE, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION, SET_COOKIE,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::forms::{CheckedForm, CheckedMultipart, SecretForm, csrf_field, refusal_for, wipe};
use super::guard::cookies;
use super::texts::{Texts, key};
use super::tickets::{Made, Outcome, Prefill, Refused, Untakable, Waited};
use super::{AppState, Flash, FlashKind, lock};
use crate::app::check::{self, Origin, Verdict};
use crate::app::display::date;
use crate::app::issue::{self, Issued};
use crate::app::mark_used::{self, Change, MarkUsed};
use crate::app::spec::{CodeSource, Note, Output, SheetRequest, SheetSpec, Supersede};
use crate::app::{self, Context, OnDemand, inventory, list, revoke, show, shredded};
use crate::codes::{DEFAULT_PATTERN, SetId};
use crate::error::Error;
use crate::files::Overwrite;
use crate::import;
use crate::lang::{Lang, Paper};
use crate::ledger::{GenerationRecord, Status};
use crate::limits::{MAX_COPIES, MAX_COUNT};
use crate::messages::Localized;
use crate::output;
use crate::scan::ScanError;
use crate::sheet::qr::SheetMark;

/// How long the result page waits for the sheet its form is making.
const RESULT_WAIT: Duration = Duration::from_secs(90);

/// The page language: the switch's cookie, else the browser's
/// Accept-Language, else the default (the config's, else the locale's).
pub(crate) fn page_lang(state: &AppState, headers: &HeaderMap) -> Lang {
    cookies(headers)
        .find(|(name, _)| *name == state.lang_cookie)
        .and_then(|(_, value)| Lang::from_name(value))
        .or_else(|| {
            headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(state.default_lang)
}

/// The page language of a request, as an extractor.
pub(crate) struct PageLang(pub Lang);

impl FromRequestParts<Arc<AppState>> for PageLang {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Infallible> {
        Ok(PageLang(page_lang(state, &parts.headers)))
    }
}

/// What every page has around its content: the words, the CSRF token for
/// its forms, where the language switch comes back to, the current tab, and
/// a message left by the form sent before.
pub(crate) struct Frame {
    t: Texts,
    csrf: String,
    here: String,
    active: &'static str,
    langs: &'static [Lang],
    flash: Option<FlashView>,
}

struct FlashView {
    class: &'static str,
    lines: Vec<String>,
}

impl Frame {
    fn new(state: &AppState, lang: Lang, here: &Uri, active: &'static str) -> Frame {
        Frame {
            t: Texts::new(lang),
            csrf: state.csrf.expose_hex().to_owned(),
            here: here
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
            active,
            langs: Lang::ALL,
            flash: state.take_flash().map(|f| FlashView {
                class: match f.kind {
                    FlashKind::Done => "done",
                    FlashKind::Warning => "warning",
                    FlashKind::Failed => "failed",
                },
                lines: f.lines,
            }),
        }
    }
}

fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => super::error::Refusal::Internal.into_response(),
    }
}

/// Runs application work off the async thread, one piece at a time, with a
/// context that speaks the page's language.
async fn work<T, F>(state: &Arc<AppState>, lang: Lang, f: F) -> Result<T, super::error::Refusal>
where
    T: Send + 'static,
    F: FnOnce(&AppState, &Context) -> T + Send + 'static,
{
    let state = Arc::clone(state);
    tokio::task::spawn_blocking(move || {
        let _one = lock(&state.work);
        let ctx = state.ctx.quiet_in(Texts::new(lang).messages);
        f(&state, &ctx)
    })
    .await
    .map_err(|_| super::error::Refusal::Internal)
}

/// An error as the page says it: the command line's message, but where that
/// names a flag the page has a box for.
fn error_text(t: &Texts, e: &Error) -> String {
    match e {
        Error::CurrentSetExists {
            account,
            generation,
            set_id,
            issued,
        } => t.fill(
            "current_set_exists",
            &[
                ("account", account),
                ("generation", &generation.to_string()),
                ("set_id", set_id),
                ("issued", issued),
            ],
        ),
        e => e.message(&t.messages),
    }
}

/// A query string value: the account names in links.
fn query_value(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn account_link(account: &str) -> String {
    format!("/account?name={}", query_value(account))
}

fn see_other(location: &str) -> Response {
    match HeaderValue::try_from(location) {
        Ok(value) => (StatusCode::SEE_OTHER, [(LOCATION, value)]).into_response(),
        Err(_) => super::error::Refusal::Internal.into_response(),
    }
}

/// A page that says something went wrong reading the ledger (or the like).
#[derive(Template)]
#[template(path = "web/problem.html")]
struct ProblemPage {
    f: Frame,
    heading: String,
    text: String,
    /// What to do next, when there is more to say than "back to the accounts".
    hint: Option<String>,
}

fn problem(f: Frame, heading_key: &str, text: String, status: StatusCode) -> Response {
    let heading = f.t.t(heading_key).to_owned();
    let page = ProblemPage {
        f,
        heading,
        text,
        hint: None,
    };
    render(status, &page)
}

/// The answer in the sheet's own tab when no sheet was made: why, and that
/// the form waits in the other tab.
fn sheet_not_made(f: Frame, text: String, status: StatusCode) -> Response {
    let page = ProblemPage {
        heading: f.t.t(key("sheet_not_made")).to_owned(),
        hint: Some(f.t.t("close_this_tab").to_owned()),
        f,
        text,
    };
    render(status, &page)
}

// ----- Accounts -----

struct AccountRow {
    account: String,
    link: String,
    /// "Generation 2".
    generation: String,
    set_id: String,
    issued: String,
    left: String,
    next_inventory: String,
    status: String,
    due: Vec<String>,
}

#[derive(Template)]
#[template(path = "web/accounts.html")]
struct AccountsPage {
    f: Frame,
    rows: Vec<AccountRow>,
}

pub(crate) async fn accounts(
    State(state): State<Arc<AppState>>,
    PageLang(lang): PageLang,
    uri: Uri,
) -> Result<Response, super::error::Refusal> {
    let f = Frame::new(&state, lang, &uri, "accounts");
    let rows = work(&state, lang, |_, ctx| {
        list::accounts(ctx, app::now().date_naive())
    })
    .await?;
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            let text = error_text(&f.t, &e);
            return Ok(problem(
                f,
                key("problem_heading"),
                text,
                StatusCode::INTERNAL_SERVER_ERROR,
            ));
        }
    };
    let m = &f.t.messages;
    let rows = rows
        .into_iter()
        .map(|(a, due)| {
            let r = &a.latest;
            AccountRow {
                account: r.account.clone(),
                link: account_link(&r.account),
                generation: generation_text(&f.t, r.generation),
                set_id: r.set_id.to_string(),
                issued: date(&r.issued_at),
                left: format!("{}/{}", r.remaining(), r.count),
                next_inventory: r.next_inventory.map(|d| d.to_string()).unwrap_or_default(),
                status: if a.retired_at.is_some() {
                    m.text("status_retired").to_owned()
                } else {
                    m.text(crate::app::display::status_key(r.status)).to_owned()
                },
                due: due.iter().map(|d| d.message(m)).collect(),
            }
        })
        .collect();
    Ok(render(StatusCode::OK, &AccountsPage { f, rows }))
}

// ----- One account -----

struct GenerationView {
    number: u32,
    /// "Generation 2".
    generation: String,
    set_id: String,
    issued: String,
    codes: String,
    status: String,
    class: &'static str,
    places: Vec<String>,
    used: Vec<String>,
    shredded: Option<String>,
    awaits_shredding: bool,
}

struct NumberView {
    number: u32,
    label: String,
}

struct CurrentView {
    set_id: String,
    generation: String,
    left: u32,
    count: u32,
    next_inventory: String,
    location: String,
    numbers: Vec<NumberView>,
}

#[derive(Template)]
#[template(path = "web/account.html")]
struct AccountPage {
    f: Frame,
    account: String,
    new_link: String,
    due: Vec<String>,
    current: Option<CurrentView>,
    generations: Vec<GenerationView>,
}

#[derive(Deserialize)]
pub(crate) struct AccountQuery {
    #[serde(default)]
    name: String,
}

/// "Generation 2", "第 2 世代".
fn generation_text(t: &Texts, generation: u32) -> String {
    t.fill("generation_n", &[("n", &generation.to_string())])
}

/// Where a set's codes came from, as the ledger records it (`generated`,
/// `import:google`), in words.
fn source_text(t: &Texts, source: &str) -> String {
    match import::Source::from_recorded(source) {
        Some(import::Source::Imported(preset)) if preset.name != import::GENERIC => {
            t.fill("source_import", &[("service", preset.display_name)])
        }
        Some(import::Source::Imported(_)) => t.t("source_import_other").to_owned(),
        Some(import::Source::Generated) => t.t("source_generated").to_owned(),
        None if source.starts_with("import:") => t.t("source_import_other").to_owned(),
        None => source.to_owned(),
    }
}

fn generation_view(t: &Texts, r: &GenerationRecord) -> GenerationView {
    let m = &t.messages;
    GenerationView {
        number: r.generation,
        generation: generation_text(t, r.generation),
        set_id: r.set_id.to_string(),
        issued: date(&r.issued_at),
        codes: t.fill(
            "history_codes",
            &[
                ("count", &r.count.to_string()),
                ("format", &r.format),
                ("source", &source_text(t, &r.source)),
            ],
        ),
        status: show::status_text(m, r),
        class: match r.status {
            Status::Current => "current",
            Status::Pending => "pending",
            Status::Superseded | Status::Revoked | Status::Unprinted => "old",
        },
        places: [
            r.location
                .as_ref()
                .map(|l| t.fill("history_location", &[("location", l)])),
            r.custodian
                .as_ref()
                .map(|c| t.fill("history_custodian", &[("custodian", c)])),
        ]
        .into_iter()
        .flatten()
        .collect(),
        used: r.used.iter().map(|u| show::used_text(m, u)).collect(),
        shredded: r.shredded_at.as_ref().map(|at| {
            t.fill(
                "history_shredded",
                &[
                    ("date", &date(at)),
                    ("by", r.shredded_by.as_deref().unwrap_or("-")),
                ],
            )
        }),
        awaits_shredding: r.awaits_shredding(),
    }
}

fn current_view(t: &Texts, r: &GenerationRecord) -> CurrentView {
    CurrentView {
        set_id: r.set_id.to_string(),
        generation: generation_text(t, r.generation),
        left: r.remaining(),
        count: r.count,
        next_inventory: r.next_inventory.map(|d| d.to_string()).unwrap_or_default(),
        location: r.location.clone().unwrap_or_default(),
        numbers: (1..=r.count)
            .map(|number| NumberView {
                number,
                label: match r.used.iter().find(|u| u.number == number) {
                    Some(u) => t.fill(
                        "use_number_used",
                        &[("number", &number.to_string()), ("date", &date(&u.used_at))],
                    ),
                    None => number.to_string(),
                },
            })
            .collect(),
    }
}

pub(crate) async fn account(
    State(state): State<Arc<AppState>>,
    PageLang(lang): PageLang,
    uri: Uri,
    Query(query): Query<AccountQuery>,
) -> Result<Response, super::error::Refusal> {
    let f = Frame::new(&state, lang, &uri, "accounts");
    let found = work(&state, lang, move |_, ctx| {
        let account = crate::labels::account_label(&query.name)?;
        let history = show::history(ctx, &account)?;
        let today = app::now().date_naive();
        let due = list::accounts(ctx, today)?
            .into_iter()
            .find(|(a, _)| {
                history
                    .last()
                    .is_some_and(|r| r.account == a.latest.account)
            })
            .map(|(_, due)| due)
            .unwrap_or_default();
        Ok::<_, Error>((history, due))
    })
    .await?;
    let (history, due) = match found {
        Ok(found) => found,
        Err(e) => {
            let text = error_text(&f.t, &e);
            return Ok(problem(
                f,
                key("account_problem"),
                text,
                StatusCode::NOT_FOUND,
            ));
        }
    };
    let t = f.t;
    let account = history
        .last()
        .map(|r| r.account.clone())
        .unwrap_or_default();
    let current = history
        .iter()
        .find(|r| r.status == Status::Current)
        .map(|r| current_view(&t, r));
    let mut generations: Vec<GenerationView> =
        history.iter().map(|r| generation_view(&t, r)).collect();
    generations.reverse();
    let page = AccountPage {
        new_link: format!("/new?account={}&regenerate=1", query_value(&account)),
        account,
        due: due.iter().map(|d| d.message(&t.messages)).collect(),
        current,
        generations,
        f,
    };
    Ok(render(StatusCode::OK, &page))
}

/// After an account's form: what happened is shown once, on the account page.
fn back_to_account(state: &AppState, account: &str, flash: Flash) -> Response {
    state.set_flash(flash);
    see_other(&account_link(account))
}

fn failed(t: &Texts, e: &Error) -> Flash {
    Flash {
        kind: FlashKind::Failed,
        lines: vec![error_text(t, e)],
    }
}

#[derive(Deserialize)]
pub(crate) struct UseForm {
    #[serde(default)]
    csrf: String,
    account: String,
    number: u32,
    #[serde(default)]
    by: String,
    change: String,
}

pub(crate) async fn mark_used(
    State(state): State<Arc<AppState>>,
    PageLang(lang): PageLang,
    CheckedForm(form): CheckedForm<UseForm>,
) -> Result<Response, super::error::Refusal> {
    let change = match form.change.as_str() {
        "use" => Change::Use,
        "undo" => Change::Undo,
        _ => return Err(super::error::Refusal::BadForm),
    };
    let account = form.account.clone();
    let flash = work(&state, lang, move |_, ctx| {
        let t = Texts::new(lang);
        let done = MarkUsed::new(&form.account, form.number, change, Some(&form.by))
            .and_then(|req| mark_used::mark_used(ctx, &req));
        match done {
            Ok(marked) if marked.leaves_few() => Flash {
                kind: FlashKind::Warning,
                lines: vec![
                    marked.message(&ctx.messages),
                    t.fill(
                        "low_codes",
                        &[("left", &marked.record.remaining().to_string())],
                    ),
                ],
            },
            Ok(marked) => Flash {
                kind: FlashKind::Done,
                lines: vec![marked.message(&ctx.messages)],
            },
            Err(e) => failed(&t, &e),
        }
    })
    .await?;
    Ok(back_to_account(&state, &account, flash))
}

#[derive(Deserialize)]
pub(crate) struct InventoryForm {
    #[serde(default)]
    csrf: String,
    account: String,
    #[serde(default)]
    by: String,
    #[serde(default)]
    codes_left: String,
    #[serde(default)]
    location: String,
}

/// An optional number box: empty is `None`; anything but digits is refused.
fn optional_number(raw: &str) -> Result<Option<u32>, super::error::Refusal> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| super::error::Refusal::BadForm)
}

pub(crate) async fn inventory(
    State(state): State<Arc<AppState>>,
    PageLang(lang): PageLang,
    CheckedForm(form): CheckedForm<InventoryForm>,
) -> Result<Response, super::error::Refusal> {
    let codes_left = optional_number(&form.codes_left)?;
    let account = form.account.clone();
    let flash = work(&state, lang, move |_, ctx| {
        let t = Texts::new(lang);
        let done =
            inventory::Inventory::new(&form.account, &form.by, codes_left, Some(&form.location))
                .and_then(|req| inventory::inventory(ctx, &req));
        match done {
            Ok(done) => {
                let mut lines = vec![done.message(&ctx.messages)];
                let warning = done.warning(&ctx.messages);
                let kind = if warning.is_some() {
                    FlashKind::Warning
                } else {
                    FlashKind::Done
                };
                lines.extend(warning);
                Flash { kind, lines }
            }
            Err(e) => failed(&t, &e),
        }
    })
    .await?;
    Ok(back_to_account(&state, &account, flash))
}

#[derive(Deserialize)]
pub(crate) struct ShreddedForm {
    #[serde(default)]
    csrf: String,
    account: String,
    set_id: String,
    #[serde(default)]
    by: String,
}

pub(crate) async fn shredded(
    State(state): State<Arc<AppState>>,
    PageLang(lang): PageLang,
    CheckedForm(form): CheckedForm<ShreddedForm>,
) -> Result<Response, super::error::Refusal> {
    let account = form.account.clone();
    let flash = work(&state, lang, move |_, ctx| {
        let t = Texts::new(lang);
        match shredded::Shredded::new(&form.set_id, &form.by)
            .and_then(|req| shredded::shredded(ctx, &req))
        {
            Ok(record) => Flash {
                kind: FlashKind::Done,
                lines: vec![shredded::done_message(&ctx.messages, &record)],
            },
            Err(e) => failed(&t, &e),
        }
    })
    .await?;
    Ok(back_to_account(&state, &account, flash))
}

#[derive(Deserialize)]
pub(crate) struct RevokeForm {
    #[serde(default)]
    csrf: String,
    account: String,
    #[serde(default)]
    by: String,
    /// The box that asks first, as the command asks on a terminal.
    #[serde(default)]
    confirm: String,
}

pub(crate) async fn revoke(
    State(state): State<Arc<AppState>>,
    PageLang(lang): PageLang,
    CheckedForm(form): CheckedForm<RevokeForm>,
) -> Result<Response, super::error::Refusal> {
    let account = form.account.clone();
    if form.confirm != "yes" {
        let t = Texts::new(lang);
        let flash = Flash {
            kind: FlashKind::Failed,
            lines: vec![t.t("revoke_not_confirmed").to_owned()],
        };
        return Ok(back_to_account(&state, &account, flash));
    }
    let flash = work(&state, lang, move |_, ctx| {
        let t = Texts::new(lang);
        match revoke::Revoke::new(&form.account, Some(&form.by))
            .and_then(|req| revoke::revoke(ctx, &req))
        {
            Ok(record) => Flash {
                kind: FlashKind::Done,
                lines: vec![
                    revoke::done_message(&ctx.messages, &record),
                    t.t("revoke_next").to_owned(),
                ],
            },
            Err(e) => failed(&t, &e),
        }
    })
    .await?;
    Ok(back_to_account(&state, &account, flash))
}

// ----- New sheet -----

struct Choice {
    value: &'static str,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "web/new.html")]
struct NewPage {
    f: Frame,
    ticket: String,
    result: String,
    p: Prefill,
    error: Option<String>,
    notes: Vec<String>,
    replaces: Option<String>,
    langs: Vec<Choice>,
    papers: Vec<Choice>,
    services: Vec<Choice>,
    default_pattern: &'static str,
    max_copies: u32,
    max_count: u32,
}

fn choices(
    t: &Texts,
    auto_key: &str,
    options: impl Iterator<Item = (&'static str, String)>,
    chosen: &str,
) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: "",
        label: t.t(auto_key).to_owned(),
        selected: chosen.is_empty(),
    }];
    out.extend(options.map(|(value, label)| Choice {
        value,
        label,
        selected: value == chosen,
    }));
    out
}

fn new_page(state: &AppState, f: Frame, p: Prefill, replaces: Option<String>) -> NewPage {
    let t = f.t;
    let ticket = state.tickets.issue();
    NewPage {
        result: format!("/made?ticket={ticket}"),
        ticket,
        langs: choices(
            &t,
            "choice_automatic",
            Lang::ALL
                .iter()
                .map(|l| (l.name(), l.own_name().to_owned())),
            &p.lang,
        ),
        papers: choices(
            &t,
            "choice_automatic",
            Paper::ALL
                .iter()
                .map(|p| (p.name(), t.t(paper_key(*p)).to_owned())),
            &p.paper,
        ),
        services: import::presets()
            .iter()
            .map(|preset| Choice {
                value: preset.name,
                label: if preset.name == import::GENERIC {
                    t.t("service_generic").to_owned()
                } else {
                    preset.display_name.to_owned()
                },
                selected: preset.name == p.service,
            })
            .collect(),
        default_pattern: DEFAULT_PATTERN,
        max_copies: MAX_COPIES,
        max_count: MAX_COUNT,
        error: None,
        notes: Vec::new(),
        replaces,
        p,
        f,
    }
}

fn paper_key(paper: Paper) -> &'static str {
    match paper {
        Paper::A4 => key("paper_a4"),
        Paper::Letter => key("paper_letter"),
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct NewQuery {
    #[serde(default)]
    account: String,
    #[serde(default)]
    regenerate: String,
}

/// What a new sheet for `account` replaces, as the page says it before.
fn replaces_text(t: &Texts, account: &str, old: &GenerationRecord) -> String {
    t.fill(
        "new_replaces",
        &[
            ("account", account),
            ("generation", &old.generation.to_string()),
            ("set_id", &old.set_id.to_string()),
            ("issued", &date(&old.issued_at)),
        ],
    )
}

pub(crate) async fn new_sheet(
    State(state): State<Arc<AppState>>,
    PageLang(lang): PageLang,
    uri: Uri,
    Query(query): Query<NewQuery>,
) -> Result<Response, super::error::Refusal> {
    let f = Frame::new(&state, lang, &uri, "new");
    let account = query.account.trim().to_owned();
    let replaces = if account.is_empty() {
        None
    } else {
        let name = account.clone();
        work(&state, lang, move |_, ctx| {
            issue::would_replace(ctx, &name).ok().flatten()
        })
        .await?
        .map(|old| replaces_text(&f.t, &account, &old))
    };
    let p = Prefill {
        form: "generate",
        account,
        regenerate: query.regenerate == "1",
        // A first sheet is printed in the language of the page; a new set
        // takes the old one's settings unless a box says otherwise.
        lang: if query.regenerate == "1" {
            String::new()
        } else {
            lang.name().to_owned()
        },
        service: "google".to_owned(),
        ..Prefill::default()
    };
    let page = new_page(&state, f, p, replaces);
    Ok(render(StatusCode::OK, &page))
}

/// The generate form's fields (the import form has the same ones, and more).
#[derive(Deserialize)]
pub(crate) struct SheetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    custodian: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    paper: String,
    #[serde(default)]
    copies: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    next_inventory: String,
    #[serde(default)]
    regenerate: String,
}

impl SheetForm {
    fn prefill(&self) -> Prefill {
        Prefill {
            form: "generate",
            account: self.account.clone(),
            service: "google".to_owned(),
            location: self.location.clone(),
            custodian: self.custodian.clone(),
            lang: self.lang.clone(),
            paper: self.paper.clone(),
            copies: self.copies.clone(),
            format: self.format.clone(),
            count: self.count.clone(),
            next_inventory: self.next_inventory.clone(),
            regenerate: self.regenerate == "yes",
        }
    }
}

/// The sheet request a form asks for: an empty box means what the command
/// line means by leaving the flag out (the config, what a regeneration
/// carries over, the default). The PDF goes into the response.
fn sheet_request(p: &Prefill) -> Result<SheetRequest, super::error::Refusal> {
    let bad = super::error::Refusal::BadForm;
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
    Ok(SheetRequest {
        account: p.account.clone(),
        lang: match p.lang.as_str() {
            "" => None,
            name => Some(Lang::from_name(name).ok_or(bad)?),
        },
        paper: match p.paper.as_str() {
            "" => None,
            name => Some(Paper::from_name(name).ok_or(bad)?),
        },
        location: some(&p.location),
        custodian: some(&p.custodian),
        copies: optional_number(&p.copies)?,
        next_inventory: some(&p.next_inventory),
        template: None,
        output: Output::Response,
        overwrite: Overwrite::Refuse,
        supersede: Supersede::when_asked(p.regenerate),
    })
}

pub(crate) async fn generate(
    State(state): State<Arc<AppState>>,
    PageLang(lang): PageLang,
    CheckedForm(form): CheckedForm<SheetForm>,
) -> Result<Response, super::error::Refusal> {
    let prefill = form.prefill();
    let mut request = sheet_request(&prefill)?;
    let count = optional_number(&form.count)?;
    let format = (!form.format.trim().is_empty()).then(|| form.format.trim().to_owned());
    issue_sheet(
        state,
        lang,
        form.ticket,
        prefill,
        None,
        move |ctx, ledger, note| {
            crate::app::generate::prepare(ctx, ledger, &mut request, format.as_deref(), count, note)
        },
    )
    .await
}

pub(crate) async fn import(
    State(state): State<Arc<AppState>>,
    PageLang(lang): PageLang,
    mut form: SecretForm,
) -> Result<Response, super::error::Refusal> {
    let prefill = Prefill {
        form: "import",
        account: form.field("account").to_owned(),
        service: form.field("service").to_owned(),
        location: form.field("location").to_owned(),
        custodian: form.field("custodian").to_owned(),
        lang: form.field("lang").to_owned(),
        paper: form.field("paper").to_owned(),
        copies: form.field("copies").to_owned(),
        next_inventory: form.field("next_inventory").to_owned(),
        regenerate: form.field("regenerate") == "yes",
        ..Prefill::default()
    };
    let mut request = sheet_request(&prefill)?;
    let service = prefill.service.clone();
    let ticket = form.field("ticket").to_owned();
    // The pasted text moves into the buffer the parser reads, wiped after.
    let mut codes = Some(Zeroizing::new(
        std::mem::take(&mut *form.secret).into_bytes(),
    ));
    let preset = import::preset(&service);
    issue_sheet(
        state,
        lang,
        ticket,
        prefill,
        preset,
        move |ctx, ledger, note| {
            crate::app::import::prepare(
                ctx,
                ledger,
                &service,
                &mut request,
                &mut || Ok(codes.take().unwrap_or_default()),
                note,
            )
        },
    )
    .await
}

/// What a form that makes a sheet does: takes its ticket, prepares the
/// sheet with `prepare` (the command's own function), issues it through
/// the issuing protocol into memory, and answers with the PDF, which the
/// browser shows in its own viewer (in a new tab). The result page of the
/// tab that sent the form learns the outcome through the ticket.
async fn issue_sheet<F>(
    state: Arc<AppState>,
    lang: Lang,
    ticket: String,
    prefill: Prefill,
    imported: Option<&'static import::Preset>,
    prepare: F,
) -> Result<Response, super::error::Refusal>
where
    F: FnOnce(
            &Context,
            &dyn crate::ledger::Ledger,
            &dyn Fn(Note),
        ) -> Result<(SheetSpec, CodeSource), Error>
        + Send
        + 'static,
{
    let t = Texts::new(lang);
    if let Err(why) = state.tickets.take(&ticket) {
        let why = match why {
            Untakable::Used => key("sent_twice"),
            Untakable::Unknown => key("form_expired"),
        };
        let f = Frame::new(&state, lang, &Uri::from_static("/new"), "new");
        return Ok(problem(
            f,
            key("sheet_not_made"),
            t.t(why).to_owned(),
            StatusCode::CONFLICT,
        ));
    }
    let made = work(&state, lang, move |state, ctx| {
        let notes = RefCell::new(Vec::new());
        let note = |n: Note| {
            notes.borrow_mut().push(match n {
                Note::Say(line) => line,
                Note::Warn(line) => format!("{}: {line}", ctx.messages.text("warning")),
            })
        };
        let mut pdf = Zeroizing::new(Vec::new());
        let issued = (|| {
            let mut ledger: OnDemand = ctx.issuing_ledger()?;
            let (spec, source) = prepare(ctx, &ledger, &note)?;
            issue::issue_one(
                ctx,
                &mut ledger,
                &issue::Request {
                    spec: &spec,
                    source: &source,
                    verifier: None,
                    inputs: &[],
                },
                &state.fonts,
                &mut |bytes| {
                    pdf.extend_from_slice(bytes);
                    Ok(())
                },
            )
        })();
        (issued, pdf, notes.into_inner())
    })
    .await?;
    let (issued, pdf, notes) = made;
    match issued {
        Ok(issued) => {
            state.tickets.finish(
                &ticket,
                Outcome::Made(made_summary(&t, &issued, imported, notes)),
            );
            Ok(pdf_response(pdf, &issued))
        }
        Err(e) => {
            let error = error_text(&t, &e);
            state.tickets.finish(
                &ticket,
                Outcome::Refused(Refused {
                    error: error.clone(),
                    notes,
                    prefill,
                }),
            );
            let f = Frame::new(&state, lang, &Uri::from_static("/new"), "new");
            Ok(sheet_not_made(f, error, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

fn made_summary(
    t: &Texts,
    issued: &Issued,
    imported: Option<&'static import::Preset>,
    notes: Vec<String>,
) -> Made {
    let m = &t.messages;
    Made {
        account: issued.account.clone(),
        generation: issued.generation,
        set_id: issued.set_id.to_string(),
        codes: match imported {
            Some(preset) => t.fill(
                "import_read",
                &[
                    ("count", &issued.count.to_string()),
                    ("service", preset.display_name),
                ],
            ),
            None => issue::codes_text(m, issued),
        },
        replaced: issued
            .replaced
            .as_ref()
            .map(|old| old.set_id.to_string())
            .zip(issue::destroy_text(m, issued)),
        notes,
    }
}

/// The sheet, shown inline by the browser's own viewer. Its bytes are
/// wiped when the response body is dropped, after it was sent.
fn pdf_response(pdf: Zeroizing<Vec<u8>>, issued: &Issued) -> Response {
    let name = output::default_sheet_name(
        &issued.account,
        issued.generation,
        &issued.set_id.to_string(),
    );
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "inline; filename=\"{ascii}\"; filename*=UTF-8''{}",
        query_value(&name).replace('+', "%20")
    );
    let mut res = Response::new(Body::from(Bytes::from_owner(pdf)));
    let headers = res.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(value) = HeaderValue::try_from(disposition) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    res
}

#[derive(Template)]
#[template(path = "web/made.html")]
struct MadePage {
    f: Frame,
    made: Made,
    account_link: String,
}

#[derive(Deserialize)]
pub(crate) struct MadeQuery {
    #[serde(default)]
    ticket: String,
}

pub(crate) async fn made(
    State(state): State<Arc<AppState>>,
    PageLang(lang): PageLang,
    uri: Uri,
    Query(query): Query<MadeQuery>,
) -> Result<Response, super::error::Refusal> {
    let waited = state.tickets.wait(&query.ticket, RESULT_WAIT).await;
    let f = Frame::new(&state, lang, &uri, "new");
    Ok(match waited {
        Waited::Done(outcome) => match &*outcome {
            Outcome::Made(made) => render(
                StatusCode::OK,
                &MadePage {
                    account_link: account_link(&made.account),
                    made: made.clone(),
                    f,
                },
            ),
            Outcome::Refused(refused) => {
                let mut page = new_page(&state, f, refused.prefill.clone(), None);
                page.error = Some(refused.error.clone());
                page.notes = refused.notes.clone();
                render(StatusCode::OK, &page)
            }
        },
        Waited::NotYet => {
            let text = f.t.t("result_not_yet").to_owned();
            problem(f, key("result_heading"), text, StatusCode::OK)
        }
        Waited::Unknown => {
            let text = f.t.t("result_unknown").to_owned();
            problem(f, key("result_heading"), text, StatusCode::NOT_FOUND)
        }
    })
}

// ----- Check a sheet -----

struct VerdictView {
    class: &'static str,
    message: String,
    account: Option<(String, String)>,
    /// The set to record as shredded, when its sheet awaits it.
    shred: Option<String>,
}

#[derive(Template)]
#[template(path = "web/check.html")]
struct CheckPage {
    f: Frame,
    verdict: Option<VerdictView>,
    error: Option<String>,
}

fn verdict_view(verdict: Verdict) -> VerdictView {
    let record = verdict.record.as_ref();
    VerdictView {
        class: match record.map(|r| r.status) {
            Some(Status::Current) => "current",
            Some(_) => "old",
            None => "unknown",
        },
        message: verdict.message,
        account: record.map(|r| (r.account.clone(), account_link(&r.account))),
        shred: record
            .filter(|r| r.awaits_shredding())
            .map(|r| r.set_id.to_string()),
    }
}

pub(crate) async fn check_page(
    State(state): State<Arc<AppState>>,
    PageLang(lang): PageLang,
    uri: Uri,
) -> Response {
    let f = Frame::new(&state, lang, &uri, "check");
    render(
        StatusCode::OK,
        &CheckPage {
            f,
            verdict: None,
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct CheckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    set_id: String,
}

async fn check_result(
    state: &Arc<AppState>,
    lang: Lang,
    found: Result<Verdict, Error>,
) -> Response {
    let f = Frame::new(state, lang, &Uri::from_static("/check"), "check");
    let (verdict, error) = match found {
        Ok(v) => (Some(verdict_view(v)), None),
        Err(e) => (None, Some(error_text(&f.t, &e))),
    };
    render(StatusCode::OK, &CheckPage { f, verdict, error })
}

pub(crate) async fn check(
    State(state): State<Arc<AppState>>,
    PageLang(lang): PageLang,
    CheckedForm(form): CheckedForm<CheckForm>,
) -> Result<Response, super::error::Refusal> {
    let found = work(&state, lang, move |_, ctx| {
        let set_id = SetId::parse(&form.set_id)?;
        check::check_set(ctx, &set_id, Origin::Typed)
    })
    .await?;
    Ok(check_result(&state, lang, found).await)
}

pub(crate) async fn scan(
    State(state): State<Arc<AppState>>,
    PageLang(lang): PageLang,
    CheckedMultipart(mut multipart): CheckedMultipart,
) -> Result<Response, super::error::Refusal> {
    let mut photo = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| refusal_for(e.status()))?
    {
        if field.name() == Some("photo") {
            let name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|e| refusal_for(e.status()))?;
            photo = Some((name, bytes));
        }
    }
    let (name, bytes) = photo.ok_or(super::error::Refusal::BadForm)?;
    let found = work(&state, lang, move |_, ctx| {
        // A photo of a sheet shows its codes: its bytes are wiped once read.
        let mark = read_mark(&bytes, &name);
        wipe(bytes);
        check::check_set(ctx, &mark?.set_id, Origin::Scanned)
    })
    .await?;
    Ok(check_result(&state, lang, found).await)
}

/// The one place the page reads a sheet's mark from an image: an adapter
/// over what `scan` offers. `name` is the uploaded file's name, for messages.
fn read_mark(bytes: &[u8], name: &str) -> Result<SheetMark, Error> {
    let name = if name.trim().is_empty() {
        "upload"
    } else {
        name
    };
    crate::scan::scan_bytes(bytes, &crate::scan::LIMITS).map_err(|problem| {
        Error::from(ScanError {
            path: std::path::PathBuf::from(name),
            problem,
        })
    })
}

// ----- Language, and pages that do not exist -----

#[derive(Deserialize)]
pub(crate) struct LangForm {
    #[serde(default)]
    csrf: String,
    lang: String,
    #[serde(default)]
    back: String,
}

/// Where the switch may send the browser back to: a path of this server only.
fn local_path(back: &str) -> &str {
    let local = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && back.bytes().all(|b| b.is_ascii_graphic());
    if local { back } else { "/" }
}

pub(crate) async fn switch_lang(
    State(state): State<Arc<AppState>>,
    CheckedForm(form): CheckedForm<LangForm>,
) -> Result<Response, super::error::Refusal> {
    let lang = Lang::from_name(&form.lang).ok_or(super::error::Refusal::BadForm)?;
    let cookie = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Strict",
        state.lang_cookie,
        lang.name()
    );
    let cookie = HeaderValue::try_from(cookie).map_err(|_| super::error::Refusal::Internal)?;
    let mut res = see_other(local_path(&form.back));
    res.headers_mut().insert(SET_COOKIE, cookie);
    Ok(res)
}

pub(crate) async fn not_found() -> super::error::Refusal {
    super::error::Refusal::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_goes_back_only_to_this_server() {
        assert_eq!(local_path("/account?name=a%40b"), "/account?name=a%40b");
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "",
            "javascript:alert(1)",
            "/a b",
        ] {
            assert_eq!(local_path(bad), "/", "{bad}");
        }
    }
}

csrf_field!(
    UseForm,
    InventoryForm,
    ShreddedForm,
    RevokeForm,
    SheetForm,
    CheckForm,
    LangForm
);
