//! The emulated devices' command line as one engine: the line discipline every platform runs
//! on ([`Engine`]), what a platform plugs into it ([`Personality`]), and the pieces every
//! platform reads and answers with.
//!
//! # Layout
//! - [`line`](mod@line): [`Engine`], echo, editing, Enter, the secret, paging, the close.
//! - [`persona`]: [`Personality`] (with defaults for what platforms share), [`Outcome`],
//!   [`Pager`].
//! - [`reply`]: [`Reply`], [`ExecOutput`] and the [`DeviceCli`] trait the SSH side uses.
//! - [`words`]: tokens, abbreviated keywords, the command-table matcher.
//! - [`filter`]: output filters after `|`.
//! - [`text`]: CRLF lines, carets, uptimes.

pub mod filter;
pub mod line;
pub mod persona;
pub mod reply;
pub mod text;
pub mod words;

pub use filter::{CISCO_FILTERS, Filter};
pub use line::{DEFAULT_LENGTH, Engine};
pub use persona::{Erase, Outcome, Pager, Personality, caret_error};
pub use reply::{DeviceCli, ExecOutput, Reply};
pub use text::{caret, join, lines, uptime_parts};
pub use words::{Lookup, keyword, lookup, number, tokens};

#[cfg(test)]
mod tests;
