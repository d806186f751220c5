//! `batch`: one sheet per CSV row, rendered on all cores, recorded one by one.

use super::Context;
use crate::cli::BatchArgs;
use crate::error::Error;

pub fn run(_ctx: &Context, _args: &BatchArgs) -> Result<(), Error> {
    Err(Error::InvalidValue("batch is not built yet".into()))
}
