//! `dispatchlint server`: the language server on standard input and output.

use clap::Args;

use super::{Error, ExitStatus};

#[derive(Args)]
pub struct ServerArgs {}

pub fn run(_args: ServerArgs) -> Result<ExitStatus, Error> {
    crate::server::run().map_err(Error)?;
    Ok(ExitStatus::Success)
}
