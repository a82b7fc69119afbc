//! Where configuration mode is ([`Ctx`], the section kinds) and what one configuration line
//! did ([`Applied`]).

/// Where configuration mode is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ctx {
    /// `(config)#`
    Global,
    /// A section: `(config-if)#`, `(config-router)#`, `(config-line)#`, `(config-std-nacl)#`
    /// ...; the header is the section's top-level line.
    Section { header: String, kind: SectionKind },
    /// `(config-router-af)#` inside `router bgp`.
    AddressFamily { header: String, af: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    Interface,
    Router,
    Line,
    StdAcl,
    ExtAcl,
    Other,
}

impl Ctx {
    /// The mode's part of the prompt: `config`, `config-if`, ...
    pub fn prompt_tag(&self) -> &'static str {
        match self {
            Ctx::Global => "config",
            Ctx::Section { kind, .. } => match kind {
                SectionKind::Interface => "config-if",
                SectionKind::Router => "config-router",
                SectionKind::Line => "config-line",
                SectionKind::StdAcl => "config-std-nacl",
                SectionKind::ExtAcl => "config-ext-nacl",
                SectionKind::Other => "config-submode",
            },
            Ctx::AddressFamily { .. } => "config-router-af",
        }
    }

    /// The enclosing mode: `exit` goes there, and a line this mode does not know is tried
    /// there. `None` from global configuration (privileged EXEC is not a config mode).
    pub fn parent(&self) -> Option<Ctx> {
        match self {
            Ctx::Global => None,
            Ctx::Section { .. } => Some(Ctx::Global),
            Ctx::AddressFamily { header, .. } => Some(Ctx::Section {
                header: header.clone(),
                kind: SectionKind::Router,
            }),
        }
    }
}

/// What one configuration line did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Done; stay in this mode.
    Done,
    /// Done, with a message IOS prints (`% BGP is already running; AS is 64512`).
    Message(String),
    /// Enter a sub-mode.
    Enter(Ctx),
    /// `exit`: one level up (to privileged EXEC from global).
    Exit,
    /// `end` (or Ctrl-Z): back to privileged EXEC.
    End,
    /// `banner KIND D`: read text lines until the delimiter `D`.
    Banner {
        kind: String,
        delim: String,
    },
    /// `do CMD`: run an EXEC command.
    Do(String),
    Invalid {
        caret: usize,
    },
    Incomplete,
    Ambiguous,
}
