//! One-time tickets of the forms that make a sheet: a reload or a second click never prints another set, and the page that sent the form learns how it went.
//!
//! The new-sheet page holds a fresh ticket. Sending its form takes the
//! ticket (a second send is refused), the sheet opens in a new tab, and
//! the sending tab asks `/made?ticket=...`, which waits until that sheet was
//! made or refused and says so. What a ticket remembers names sets and
//! accounts, never a code.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::lock;
use super::secret::Secret;

/// Tickets kept at once: older ones (forms left open, results never read) go first.
const KEPT: usize = 32;

/// How a sheet turned out: what the result page shows.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Made(Made),
    Refused(Refused),
}

/// A sheet that was made (and handed to the browser), for the result page.
#[derive(Debug, Clone)]
pub(crate) struct Made {
    pub account: String,
    pub generation: u32,
    pub set_id: String,
    /// "10 codes of 80 bits each", or for an import "10 codes read (Google)".
    pub codes: String,
    /// The sheet it replaces, to be shredded: its set ID and the sentence that says so.
    pub replaced: Option<(String, String)>,
    /// What the user should know: matched spellings, carried settings, warnings.
    pub notes: Vec<String>,
}

/// A form that made no sheet: why, and what was typed (never the codes).
#[derive(Debug, Clone)]
pub(crate) struct Refused {
    pub error: String,
    pub notes: Vec<String>,
    pub prefill: Prefill,
}

/// The new-sheet form as it was sent, to fill it in again (the codes excepted).
#[derive(Debug, Clone, Default)]
pub(crate) struct Prefill {
    /// `generate` or `import`: which form was sent.
    pub form: &'static str,
    pub account: String,
    pub service: String,
    pub location: String,
    pub custodian: String,
    pub lang: String,
    pub paper: String,
    pub copies: String,
    pub format: String,
    pub count: String,
    pub next_inventory: String,
    pub regenerate: bool,
}

#[derive(Debug, Clone)]
enum State {
    /// On a page, not sent yet.
    Fresh,
    /// Sent: the sheet is being made.
    Taken,
    Done(Arc<Outcome>),
}

/// Why a ticket cannot be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Untakable {
    /// This form was sent already.
    Used,
    /// Unknown: from before the server started, or long forgotten.
    Unknown,
}

/// What waiting for a ticket gave.
#[derive(Debug, Clone)]
pub(crate) enum Waited {
    Done(Arc<Outcome>),
    /// Still fresh or taken when the wait ended.
    NotYet,
    Unknown,
}

pub(crate) struct Tickets {
    entries: Mutex<VecDeque<(String, State)>>,
    /// Bumped at every change, to wake the result pages that wait.
    changed: watch::Sender<u64>,
}

impl Default for Tickets {
    fn default() -> Self {
        Tickets {
            entries: Mutex::new(VecDeque::new()),
            changed: watch::Sender::new(0),
        }
    }
}

impl Tickets {
    /// A new ticket for a form about to be shown.
    pub fn issue(&self) -> String {
        let id = Secret::generate(&mut rand::rand_core::UnwrapErr(rand::rngs::SysRng))
            .expose_hex()
            .to_owned();
        let mut entries = lock(&self.entries);
        while entries.len() >= KEPT {
            entries.pop_front();
        }
        entries.push_back((id.clone(), State::Fresh));
        id
    }

    /// Takes a fresh ticket for the sheet its form asks for.
    pub fn take(&self, id: &str) -> Result<(), Untakable> {
        let result = {
            let mut entries = lock(&self.entries);
            match entries.iter_mut().find(|(t, _)| t == id) {
                Some((_, state @ State::Fresh)) => {
                    *state = State::Taken;
                    Ok(())
                }
                Some(_) => Err(Untakable::Used),
                None => Err(Untakable::Unknown),
            }
        };
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
        result
    }

    /// Records how the sheet of a taken ticket turned out.
    pub fn finish(&self, id: &str, outcome: Outcome) {
        if let Some((_, state)) = lock(&self.entries).iter_mut().find(|(t, _)| t == id) {
            *state = State::Done(Arc::new(outcome));
        }
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn state(&self, id: &str) -> Option<State> {
        lock(&self.entries)
            .iter()
            .find(|(t, _)| t == id)
            .map(|(_, s)| s.clone())
    }

    /// The outcome of the ticket's sheet, waiting up to `limit` for it (the
    /// form is sent from another tab at about the same time).
    pub async fn wait(&self, id: &str, limit: Duration) -> Waited {
        let mut changed = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match self.state(id) {
                None => return Waited::Unknown,
                Some(State::Done(outcome)) => return Waited::Done(outcome),
                Some(State::Fresh | State::Taken) => {}
            }
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return Waited::NotYet,
            }
        }
    }
}
