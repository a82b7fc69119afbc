//! Unit tests of the line engine: the matcher, and the line discipline against a small
//! personality of its own.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum C {
    Ver,
    Clock,
    IpBrief,
    IntBrief,
    Len,
    Echo,
}
const TABLE: &[(&str, C)] = &[
    ("show version", C::Ver),
    ("show clock", C::Clock),
    ("show ip interface brief", C::IpBrief),
    ("show interface brief", C::IntBrief),
    ("terminal length <n>", C::Len),
    ("echo <rest>", C::Echo),
];

#[test]
fn abbreviations_placeholders_and_errors() {
    assert_eq!(lookup("sh ver", TABLE, true), Lookup::Found(C::Ver, vec![]));
    assert_eq!(
        lookup("show ip int br", TABLE, true),
        Lookup::Found(C::IpBrief, vec![])
    );
    assert_eq!(
        lookup("term len 0", TABLE, true),
        Lookup::Found(C::Len, vec!["0".into()])
    );
    assert_eq!(lookup("show i", TABLE, true), Lookup::Ambiguous);
    assert_eq!(lookup("show foo", TABLE, true), Lookup::Invalid { at: 5 });
    assert_eq!(
        lookup("show version x", TABLE, true),
        Lookup::Invalid { at: 13 }
    );
    assert_eq!(lookup("show", TABLE, true), Lookup::Incomplete);
    assert_eq!(
        lookup("terminal length x", TABLE, true),
        Lookup::Invalid { at: 16 }
    );
    assert_eq!(lookup("   ", TABLE, true), Lookup::Empty);
    assert_eq!(
        lookup("echo a  b", TABLE, true),
        Lookup::Found(C::Echo, vec!["a  b".into()])
    );
    assert_eq!(lookup("sh ver", TABLE, false), Lookup::Invalid { at: 0 });
    assert_eq!(
        lookup("show clock", TABLE, false),
        Lookup::Found(C::Clock, vec![])
    );
}

use chrono::{DateTime, TimeZone, Utc};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 8, 36, 1).unwrap()
}

/// A personality with only the required methods: everything else is the defaults'.
struct Plain;

impl Personality for Plain {
    fn own_prompt(&self) -> String {
        "plain>".into()
    }
    fn prompt_override(&self) -> Option<&str> {
        None
    }
    fn run(&mut self, line: &str, _now: DateTime<Utc>) -> Outcome {
        match line.trim() {
            "" => Outcome::Prompt,
            "enable" => Outcome::AskSecret,
            other => Outcome::Output(vec![format!("ran {other}")]),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum T {
    Count,
    Len,
    Enable,
    Conf,
    Ask,
    Text,
    Save,
    Note,
    Exit,
}

const TOY: &[(&str, T)] = &[
    ("count <n>", T::Count),
    ("terminal length <n>", T::Len),
    ("enable", T::Enable),
    ("conf", T::Conf),
    ("ask", T::Ask),
    ("text", T::Text),
    ("save", T::Save),
    ("note", T::Note),
    ("exit", T::Exit),
];

/// A personality that answers with every kind of outcome.
#[derive(Default)]
struct Toy {
    privileged: bool,
    weird: Option<String>,
    /// `None`: the default pager.
    pager: Option<Option<Pager>>,
    /// In "text" mode (after `text`): lines are read, not run or recorded.
    reading_text: bool,
    execs: usize,
}

impl Personality for Toy {
    fn own_prompt(&self) -> String {
        if self.privileged { "toy#" } else { "toy>" }.into()
    }
    fn prompt_override(&self) -> Option<&str> {
        self.weird.as_deref()
    }
    fn run(&mut self, line: &str, _now: DateTime<Utc>) -> Outcome {
        if std::mem::take(&mut self.reading_text) {
            return Outcome::Quiet;
        }
        match self.lookup(line, TOY) {
            Lookup::Empty => Outcome::Prompt,
            Lookup::Found(T::Count, args) => {
                Outcome::Output((1..=number(&args)).map(|i| format!("line {i}")).collect())
            }
            Lookup::Found(T::Len, args) => Outcome::Paging {
                length: number(&args),
                info: vec![],
            },
            Lookup::Found(T::Enable, _) => Outcome::AskSecret,
            Lookup::Found(T::Conf, _) => Outcome::Config {
                lines: vec!["configured".into()],
                prompt: true,
            },
            Lookup::Found(T::Ask, _) => Outcome::Question("Name? ".into()),
            Lookup::Found(T::Text, _) => {
                self.reading_text = true;
                Outcome::Config {
                    lines: vec!["Enter text.".into()],
                    prompt: false,
                }
            }
            Lookup::Found(T::Save, _) => Outcome::Slow(vec!["[OK]".into()]),
            Lookup::Found(T::Note, _) => Outcome::Info(vec!["noted".into()]),
            Lookup::Found(T::Exit, _) => Outcome::Close,
            Lookup::Invalid { at } => self.caret_error(at, "% bad word"),
            Lookup::Incomplete | Lookup::Ambiguous => Outcome::Error(vec!["% what?".into()]),
        }
    }
    fn run_exec(&mut self, command: &str, now: DateTime<Utc>) -> Outcome {
        self.execs += 1;
        self.run(command, now)
    }
    fn pager(&self) -> Option<Pager> {
        self.pager.unwrap_or(Some(Pager::MORE))
    }
    fn check_secret(&mut self, typed: &[u8]) -> bool {
        let ok = typed == b"pw";
        self.privileged |= ok;
        ok
    }
    fn control_key(&mut self, key: u8) -> Option<&'static str> {
        (key == 0x1a).then_some("^Z\r\n")
    }
    fn records(&self) -> bool {
        !self.reading_text
    }
}

fn toy() -> Engine<Toy> {
    Engine::new(Toy::default())
}

/// All replies concatenated, as a client would see them.
fn seen(replies: &[Reply]) -> String {
    let mut s = Vec::new();
    for r in replies {
        match r {
            Reply::Echo(b) | Reply::Text(b) | Reply::Show(b) | Reply::Config(b) => {
                s.extend_from_slice(b)
            }
            Reply::Close => s.extend_from_slice(b"<CLOSE>"),
        }
    }
    String::from_utf8(s).unwrap()
}

fn send<P: Personality>(cli: &mut Engine<P>, input: &str) -> String {
    seen(&cli.feed(input.as_bytes(), now()))
}

fn lines_out(n: std::ops::RangeInclusive<usize>) -> String {
    n.map(|i| format!("line {i}\r\n")).collect()
}

#[test]
fn the_defaults_are_what_most_platforms_share() {
    let mut cli = Engine::new(Plain);
    assert_eq!(cli.greeting(), b"\r\nplain>");
    assert_eq!(cli.persona.pager(), Some(Pager::MORE));
    assert_eq!(cli.persona.filters(), CISCO_FILTERS);
    assert!(cli.persona.abbreviates() && cli.persona.records());
    assert_eq!(cli.persona.after_enter(), "");
    assert_eq!(cli.length(), DEFAULT_LENGTH);
    // No secret is ever right by default, and the denial is the Cisco one.
    assert_eq!(send(&mut cli, "enable\r"), "enable\r\nPassword: ");
    assert_eq!(send(&mut cli, "x\r"), "\r\n% Access denied\r\nplain>");
    // A control key does nothing by default, and is not echoed.
    assert_eq!(send(&mut cli, "\x1a\x03\t"), "");
    // Exec requests run as typed lines; filters after `|` are the Cisco ones.
    let r = cli.exec("show it | include ran", now());
    assert_eq!(r.output, b"ran show it\r\n");
    assert!(r.is_show);
    assert_eq!(cli.exec("show it | exclude ran", now()).output, b"");
}

#[test]
fn the_fault_prompt_replaces_the_platforms_everywhere() {
    let mut cli = Engine::new(Toy {
        weird: Some("weird$ ".into()),
        ..Toy::default()
    });
    assert_eq!(cli.greeting(), b"\r\nweird$ ");
    assert_eq!(send(&mut cli, "\r"), "\r\nweird$ ");
    // The caret counts the prompt that was shown.
    assert_eq!(
        send(&mut cli, "count x\r"),
        "count x\r\n             ^\r\n% bad word\r\n\r\nweird$ "
    );
}

#[test]
fn enter_is_cr_lf_crlf_or_cr_nul_even_across_reads() {
    let mut cli = toy();
    for enter in ["\r", "\n", "\r\n", "\r\0"] {
        assert_eq!(
            send(&mut cli, &format!("note{enter}")),
            "note\r\nnoted\r\ntoy>",
            "{enter:?}"
        );
    }
    assert_eq!(send(&mut cli, "\r"), "\r\ntoy>");
    assert_eq!(
        send(&mut cli, "\n"),
        "",
        "the LF of a CR LF split across reads"
    );
    assert_eq!(
        send(&mut cli, "\n"),
        "\r\ntoy>",
        "a second LF is a new Enter"
    );
}

#[test]
fn typed_bytes_are_echoed_and_edited() {
    let mut cli = toy();
    // Backspace and DEL rub out one character each; on an empty line they send nothing.
    assert_eq!(send(&mut cli, "\x08\x7f"), "");
    assert_eq!(send(&mut cli, "notex\x7f"), "notex\x08 \x08");
    assert_eq!(send(&mut cli, "\r"), "\r\nnoted\r\ntoy>");
    // Control characters are neither echoed nor kept.
    assert_eq!(send(&mut cli, "no\x03\x1bte\r"), "note\r\nnoted\r\ntoy>");
    // The echo of a line goes out before its answer, in one piece.
    let r = cli.feed(b"note\r", now());
    assert_eq!(
        r,
        vec![
            Reply::Echo(b"note\r\n".to_vec()),
            Reply::Text(b"noted\r\ntoy>".to_vec())
        ]
    );
    // Several lines in one read: each answered in order after its own echo.
    let r = cli.feed(b"note\rcount 1\rpartial", now());
    assert_eq!(
        r,
        vec![
            Reply::Echo(b"note\r\n".to_vec()),
            Reply::Text(b"noted\r\ntoy>".to_vec()),
            Reply::Echo(b"count 1\r\n".to_vec()),
            Reply::Show(b"line 1\r\ntoy>".to_vec()),
            Reply::Echo(b"partial".to_vec()),
        ]
    );
}

#[test]
fn a_control_key_abandons_the_line_and_shows_the_prompt() {
    let mut cli = toy();
    let r = cli.feed(b"count 3\x1a", now());
    assert_eq!(
        r,
        vec![
            Reply::Echo(b"count 3^Z\r\n".to_vec()),
            Reply::Text(b"toy>".to_vec())
        ]
    );
    // The abandoned line is gone.
    assert_eq!(send(&mut cli, "\r"), "\r\ntoy>");
    assert!(cli.take_lines().is_empty());
}

#[test]
fn each_outcome_is_answered_with_its_delay_and_prompt() {
    let mut cli = toy();
    let answer = |cli: &mut Engine<Toy>, line: &str| {
        let mut r = cli.feed(format!("{line}\r").as_bytes(), now());
        assert_eq!(r.remove(0), Reply::Echo(format!("{line}\r\n").into_bytes()));
        r
    };
    assert_eq!(answer(&mut cli, ""), vec![Reply::Text(b"toy>".to_vec())]);
    assert_eq!(
        answer(&mut cli, "count 2"),
        vec![Reply::Show(b"line 1\r\nline 2\r\ntoy>".to_vec())]
    );
    assert_eq!(
        answer(&mut cli, "note"),
        vec![Reply::Text(b"noted\r\ntoy>".to_vec())]
    );
    assert_eq!(
        answer(&mut cli, "bogus"),
        vec![Reply::Text(b"    ^\r\n% bad word\r\n\r\ntoy>".to_vec())]
    );
    assert_eq!(
        answer(&mut cli, "save"),
        vec![Reply::Show(b"[OK]\r\ntoy>".to_vec())]
    );
    assert_eq!(
        answer(&mut cli, "conf"),
        vec![Reply::Config(b"configured\r\ntoy>".to_vec())]
    );
    assert_eq!(
        answer(&mut cli, "ask"),
        vec![Reply::Text(b"Name? ".to_vec())]
    );
    // A text block: its announcement without a prompt, then a line read quietly.
    assert_eq!(
        answer(&mut cli, "text"),
        vec![Reply::Config(b"Enter text.\r\n".to_vec())]
    );
    assert_eq!(answer(&mut cli, "hello"), vec![]);
    assert_eq!(
        answer(&mut cli, "terminal length 0"),
        vec![Reply::Text(b"toy>".to_vec())]
    );
    assert_eq!(cli.length(), 0);
    assert_eq!(answer(&mut cli, "exit"), vec![Reply::Close]);
    assert!(cli.is_closed());
    // Nothing after the close is read.
    assert_eq!(cli.feed(b"note\r", now()), vec![]);
}

#[test]
fn lines_run_are_recorded_with_whether_they_were_delayed_outputs() {
    let mut cli = toy();
    send(
        &mut cli,
        "count 1\r  note  \r\rsave\rtext\rsome text\renable\rpw\r",
    );
    assert_eq!(
        cli.take_lines(),
        vec![
            ("count 1".to_string(), true),
            ("note".to_string(), false),
            ("save".to_string(), true),
            ("text".to_string(), false),
            ("enable".to_string(), false),
        ],
        "no empty line, no text read as text, never the secret"
    );
    assert!(cli.take_lines().is_empty());
}

#[test]
fn the_secret_is_read_without_echo_and_edited() {
    let mut cli = toy();
    assert_eq!(send(&mut cli, "en\r"), "en\r\nPassword: ");
    assert_eq!(send(&mut cli, "wrong\r"), "\r\n% Access denied\r\ntoy>");
    send(&mut cli, "enable\r");
    assert_eq!(
        send(&mut cli, "pwx\x7f"),
        "",
        "no echo, not even of a rub-out"
    );
    assert_eq!(send(&mut cli, "\x03\r"), "\r\ntoy#");
    assert!(cli.persona.privileged);
}

#[test]
fn pages_wait_at_the_pager_for_space_enter_or_any_other_key() {
    let mut cli = toy();
    send(&mut cli, "terminal length 5\r");
    // A page is the screen less the pager's own line.
    let r = cli.feed(b"count 10\r", now());
    assert_eq!(
        r[1],
        Reply::Show(format!("{} --More-- ", lines_out(1..=4)).into_bytes())
    );
    let wipe = "\r          \r";
    // Enter: one line more.
    let r = cli.feed(b"\r", now());
    assert_eq!(
        r,
        vec![Reply::Text(
            format!("{wipe}{} --More-- ", lines_out(5..=5)).into_bytes()
        )]
    );
    // Space: a page more.
    assert_eq!(
        send(&mut cli, " "),
        format!("{wipe}{} --More-- ", lines_out(6..=9))
    );
    // The last page ends with the prompt, and lines are read again.
    assert_eq!(
        send(&mut cli, " "),
        format!("{wipe}{}toy>", lines_out(10..=10))
    );
    assert_eq!(send(&mut cli, "note\r"), "note\r\nnoted\r\ntoy>");
    // Any other key ends the listing; the key itself is not a typed character.
    for key in ["q", "x", "\x03"] {
        send(&mut cli, "count 10\r");
        assert_eq!(send(&mut cli, key), format!("{wipe}toy>"), "{key:?}");
        assert_eq!(send(&mut cli, "\r"), "\r\ntoy>");
    }
    // Keys typed ahead with the command page on at once; what follows the end of the listing
    // is typed on the new line.
    assert_eq!(
        send(&mut cli, "count 6\r\r q"),
        format!(
            "count 6\r\n{} --More-- {wipe}{} --More-- {wipe}{}toy>q",
            lines_out(1..=4),
            lines_out(5..=5),
            lines_out(6..=6)
        )
    );
}

#[test]
fn paging_follows_the_screen_length_and_the_pager() {
    // Length 0: never paged.
    let mut cli = toy();
    send(&mut cli, "terminal length 0\r");
    assert_eq!(
        send(&mut cli, "count 30\r"),
        format!("count 30\r\n{}toy>", lines_out(1..=30))
    );
    // Length 1 still shows a line a page.
    send(&mut cli, "terminal length 1\r");
    assert_eq!(
        send(&mut cli, "count 2\r"),
        format!("count 2\r\n{} --More-- ", lines_out(1..=1))
    );
    // A platform without a pager scrolls whatever the length.
    let mut shell = Engine::new(Toy {
        pager: Some(None),
        ..Toy::default()
    });
    assert_eq!(
        send(&mut shell, "count 30\r"),
        format!("count 30\r\n{}toy>", lines_out(1..=30))
    );
    // Slow answers are never paged.
    let mut cli = toy();
    send(&mut cli, "terminal length 2\r");
    assert_eq!(send(&mut cli, "save\r"), "save\r\n[OK]\r\ntoy>");
    // A pager wiped with backspaces (IOS's).
    let mut ios_like = Engine::new(Toy {
        pager: Some(Some(Pager {
            text: " --More-- ",
            erase: Erase::Backspace,
        })),
        ..Toy::default()
    });
    send(&mut ios_like, "terminal length 2\r");
    send(&mut ios_like, "count 3\r");
    let n = " --More-- ".len();
    assert_eq!(
        send(&mut ios_like, "q"),
        format!(
            "{}{}{}toy>",
            "\x08".repeat(n),
            " ".repeat(n),
            "\x08".repeat(n)
        )
    );
}

#[test]
fn output_filters_apply_to_outputs_only() {
    let mut cli = toy();
    assert_eq!(
        send(&mut cli, "count 12 | include 1\r"),
        format!("count 12 | include 1\r\nline 1\r\nline 10\r\nline 11\r\nline 12\r\ntoy>")
    );
    assert_eq!(
        send(&mut cli, "count 3 | beg 2\r"),
        "count 3 | beg 2\r\nline 2\r\nline 3\r\ntoy>"
    );
    // An unknown filter goes to the platform whole, which rejects the `|` its own way.
    assert_eq!(
        send(&mut cli, "count 3 | grep 2\r"),
        "count 3 | grep 2\r\n            ^\r\n% bad word\r\n\r\ntoy>"
    );
    // Not an output: no filter applies.
    assert_eq!(
        send(&mut cli, "note | include x\r"),
        "note | include x\r\nnoted\r\ntoy>"
    );
}

#[test]
fn exec_requests_have_no_echo_prompt_or_paging() {
    let mut cli = toy();
    let r = cli.exec("count 30", now());
    assert_eq!(r.output, lines_out(1..=30).into_bytes());
    assert!(r.is_show);
    assert_eq!(r.exit_status, 0);
    assert_eq!(cli.persona.execs, 1, "exec requests go to run_exec");
    let r = cli.exec("bogus", now());
    assert_eq!((r.exit_status, r.is_show), (1, false));
    assert_eq!(r.output, b"    ^\r\n% bad word\r\n\r\n");
    let r = cli.exec("enable", now());
    assert_eq!(r.exit_status, 1);
    assert_eq!(
        r.output,
        b"% privilege cannot be raised in an exec request\r\n"
    );
    let r = cli.exec("ask", now());
    assert_eq!((r.output.as_slice(), r.exit_status), (&b"Name? "[..], 1));
    let r = cli.exec("save", now());
    assert_eq!((r.output.as_slice(), r.is_show), (&b"[OK]\r\n"[..], true));
    let r = cli.exec("conf", now());
    assert_eq!(
        (r.output.as_slice(), r.exit_status),
        (&b"configured\r\n"[..], 0)
    );
    let r = cli.exec("exit", now());
    assert_eq!((r.output.as_slice(), r.exit_status), (&b""[..], 0));
    assert!(
        !cli.is_closed(),
        "an exec request does not close the session"
    );
    assert!(
        cli.take_lines().is_empty(),
        "the SSH side records exec requests"
    );
}

#[test]
fn after_enter_follows_the_echo_of_enter() {
    struct Shell;
    impl Personality for Shell {
        fn own_prompt(&self) -> String {
            "$ ".into()
        }
        fn prompt_override(&self) -> Option<&str> {
            None
        }
        fn run(&mut self, _line: &str, _now: DateTime<Utc>) -> Outcome {
            Outcome::Prompt
        }
        fn after_enter(&self) -> &'static str {
            "\x1b[?2004l\r"
        }
    }
    let mut cli = Engine::new(Shell);
    assert_eq!(
        cli.feed(b"true\r", now()),
        vec![
            Reply::Echo(b"true\r\n\x1b[?2004l\r".to_vec()),
            Reply::Text(b"$ ".to_vec())
        ]
    );
}
