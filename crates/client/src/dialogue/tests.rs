//! Unit tests of `dialogue` (kept beside it so the module reads as code).

use super::*;

fn dialogue(cmds: &[&str], secret: Option<&str>) -> Dialogue {
    Dialogue::new(
        cmds.iter().map(|s| s.to_string()).collect(),
        secret.map(Secret::new),
    )
}

fn sent(a: Action) -> String {
    match a {
        Action::Send(b) => String::from_utf8(b).unwrap(),
        other => panic!("expected Send, got {other:?}"),
    }
}

#[test]
fn full_ios_dialogue_with_enable() {
    let mut d = dialogue(&["show clock"], Some("s3cret"));
    assert_eq!(d.start(), Action::Wait);
    assert_eq!(d.on_bytes(b"\r\nWelcome\r\nR1").unwrap(), Action::Wait);
    assert_eq!(sent(d.on_bytes(b">").unwrap()), "terminal length 0\n");
    assert_eq!(d.base_prompt(), Some("R1"));
    assert_eq!(d.phase(), (Phase::Prompt, None));
    assert_eq!(
        sent(d.on_bytes(b"terminal length 0\r\nR1>").unwrap()),
        "enable\n"
    );
    assert_eq!(d.phase(), (Phase::Enable, None));
    assert_eq!(
        sent(d.on_bytes(b"enable\r\nPassword: ").unwrap()),
        "s3cret\n"
    );
    assert_eq!(sent(d.on_bytes(b"\r\nR1#").unwrap()), "show clock\n");
    assert_eq!(d.phase(), (Phase::Command, Some(0)));
    assert_eq!(
        d.on_bytes(b"show clock\r\n*08:36:01.242 UTC").unwrap(),
        Action::Wait
    );
    assert_eq!(
        d.on_bytes(b" Fri Jul 26 2019\r\nR1#").unwrap(),
        Action::Finished
    );
    assert!(d.is_privileged());
    assert_eq!(d.outputs()[0].output, "*08:36:01.242 UTC Fri Jul 26 2019");
    assert_eq!(d.phase(), (Phase::Close, None));
}

#[test]
fn privileged_device_skips_enable() {
    let mut d = dialogue(&["show clock", "show version"], Some("x"));
    d.on_bytes(b"R2#").unwrap();
    assert_eq!(
        sent(d.on_bytes(b"terminal length 0\r\nR2#").unwrap()),
        "show clock\n"
    );
    assert_eq!(
        sent(d.on_bytes(b"show clock\r\nA\r\nR2#").unwrap()),
        "show version\n"
    );
    assert_eq!(
        d.on_bytes(b"show version\r\nB\r\nC\r\nR2#").unwrap(),
        Action::Finished
    );
    let outs = d.into_outputs();
    assert_eq!(outs.len(), 2);
    assert_eq!(outs[1].output, "B\nC");
}

#[test]
fn no_secret_runs_unprivileged() {
    let mut d = dialogue(&["show clock"], None);
    d.on_bytes(b"R1>").unwrap();
    assert_eq!(
        sent(d.on_bytes(b"terminal length 0\r\nR1>").unwrap()),
        "show clock\n"
    );
}

#[test]
fn wrong_secret_is_enable_rejected() {
    let mut d = dialogue(&["show clock"], Some("bad"));
    d.on_bytes(b"R1>").unwrap();
    d.on_bytes(b"\r\nR1>").unwrap();
    d.on_bytes(b"enable\r\nPassword: ").unwrap();
    let e = d.on_bytes(b"\r\n% Access denied\r\n\r\nR1>").unwrap_err();
    assert_eq!(e, SessionError::EnableRejected);
    let mut d = dialogue(&["show clock"], Some("bad"));
    d.on_bytes(b"R1>").unwrap();
    d.on_bytes(b"\r\nR1>").unwrap();
    d.on_bytes(b"enable\r\nPassword: ").unwrap();
    assert_eq!(
        d.on_bytes(b"\r\nPassword: ").unwrap_err(),
        SessionError::EnableRejected
    );
}

#[test]
fn secret_never_in_error_or_debug_text() {
    let mut d = dialogue(&["show clock"], Some("hunter2"));
    d.on_bytes(b"R1>").unwrap();
    d.on_bytes(b"\r\nR1>").unwrap();
    d.on_bytes(b"enable\r\nPassword: ").unwrap();
    let e = d.on_bytes(b"\r\nPassword: ").unwrap_err();
    assert!(!e.to_string().contains("hunter2"));
    assert!(!format!("{d:?}").contains("hunter2"));
}

#[test]
fn paging_is_answered_and_stripped() {
    let mut d = dialogue(&["show run"], None);
    d.on_bytes(b"R1#").unwrap();
    d.on_bytes(b"\r\nR1#").unwrap();
    assert_eq!(
        sent(
            d.on_bytes(b"show run\r\nline1\r\nline2\r\n --More-- ")
                .unwrap()
        ),
        " "
    );
    let a = d.on_bytes(b"\x08\x08\x08\x08\x08\x08\x08\x08\x08        \x08\x08\x08\x08\x08\x08\x08\x08\x08line3\r\nR1#");
    assert_eq!(a.unwrap(), Action::Finished);
    assert_eq!(d.outputs()[0].output, "line1\nline2\nline3");
}

#[test]
fn output_lines_that_look_like_prompts_do_not_end_the_command() {
    let mut d = dialogue(&["show run"], None);
    d.on_bytes(b"R1#").unwrap();
    d.on_bytes(b"\r\nR1#").unwrap();
    // `router>` and `R10#` are not the learned base prompt `R1`.
    assert_eq!(d.on_bytes(b"show run\r\nrouter>").unwrap(), Action::Wait);
    assert_eq!(d.on_bytes(b"\r\nR10#").unwrap(), Action::Wait);
    assert_eq!(d.on_bytes(b"\r\nR1#").unwrap(), Action::Finished);
    assert_eq!(d.outputs()[0].output, "router>\nR10#");
}

#[test]
fn find_prompt_cases() {
    assert_eq!(find_prompt(b"R1>", None).unwrap().base, "R1");
    assert!(
        find_prompt(b"x\r\nsw-core.lab#  ", None)
            .unwrap()
            .privileged
    );
    assert!(find_prompt(b"R1# show", None).is_none());
    assert!(find_prompt(b"", None).is_none());
    assert!(find_prompt(b">", None).is_none());
    assert!(find_prompt(b"% bad input>", None).is_none());
    assert!(find_prompt(b"router-weird$ ", None).is_none());
    assert!(
        find_prompt(b"\r\nR1(config)#", Some("R1"))
            .unwrap()
            .privileged
    );
    assert!(find_prompt(b"\r\nR1x#", Some("R1")).is_none());
}

#[test]
fn timeout_before_any_prompt_reports_the_tail() {
    let mut d = dialogue(&["show clock"], None);
    d.on_bytes(b"router-weird$ ").unwrap();
    match d.timeout_error(1.0) {
        SessionError::PromptNotSeen { phase, tail } => {
            assert_eq!(phase, Phase::Prompt);
            assert_eq!(tail, "router-weird$ ");
        }
        e => panic!("{e:?}"),
    }
    let d = dialogue(&["show clock"], None);
    assert!(matches!(d.timeout_error(1.0), SessionError::Timeout { .. }));
}

fn on(platform: &str, cmds: &[&str], secret: Option<&str>) -> Dialogue {
    Dialogue::for_platform(
        Platform::by_device_type(platform).unwrap(),
        cmds.iter().map(|s| s.to_string()).collect(),
        secret.map(Secret::new),
    )
}

#[test]
fn runaway_output_is_capped_with_a_typed_error() {
    let mut d = dialogue(&["show x"], None).max_output(3 << 20);
    d.on_bytes(b"R1#").unwrap();
    d.on_bytes(b"\r\nR1#").unwrap();
    let chunk = vec![b'a'; 1 << 20];
    let mut err = None;
    for _ in 0..20 {
        if let Err(e) = d.on_bytes(&chunk) {
            err = Some(e);
            break;
        }
    }
    let err = err.unwrap();
    assert_eq!(
        err,
        SessionError::OutputTooLarge {
            phase: Phase::Command,
            limit: 3 << 20
        }
    );
    assert_eq!(err.kind(), "output_too_large");
    assert!(err.to_string().contains("3145728 bytes (3 MiB)"), "{err}");
    assert!(d.buf.len() <= 3 << 20);
}

#[test]
fn a_flood_without_newline_keeps_a_small_buffer_and_no_prompt() {
    // 64 KiB chunks of `y` ending in `>`: never a line start, never a prompt.
    let mut d = dialogue(&["show x"], None);
    let mut chunk = vec![b'y'; 64 * 1024 - 1];
    chunk.push(b'>');
    for _ in 0..200 {
        assert_eq!(d.on_bytes(&chunk).unwrap(), Action::Wait);
        assert!(d.buf.len() <= 2 * WINDOW + chunk.len());
    }
    match d.timeout_error(1.0) {
        SessionError::PromptNotSeen { phase, tail } => {
            assert_eq!(phase, Phase::Prompt);
            assert_eq!(tail.len(), TAIL_CHARS);
            assert!(tail.ends_with("yy>"));
        }
        e => panic!("{e:?}"),
    }
    // After the flood, a real prompt on its own line is still recognised.
    assert_eq!(sent(d.on_bytes(b"\r\nR1>").unwrap()), "terminal length 0\n");
}

#[test]
fn a_prompt_split_across_reads_and_long_space_runs() {
    let mut d = dialogue(&["show x"], None);
    assert_eq!(d.on_bytes(b"\r\nR").unwrap(), Action::Wait);
    assert_eq!(d.on_bytes(b"1").unwrap(), Action::Wait);
    assert_eq!(
        d.on_bytes(b"#").unwrap(),
        Action::Send(b"terminal length 0\n".to_vec())
    );
    assert_eq!(
        d.on_bytes(b"\r\nR1#").unwrap(),
        Action::Send(b"show x\n".to_vec())
    );
    assert_eq!(
        d.on_bytes(b"show x\r\nout\r\nR1#").unwrap(),
        Action::Finished
    );
    let mut d = dialogue(&["show x"], None);
    d.on_bytes(b"R1#").unwrap();
    d.on_bytes(b"\r\nR1#").unwrap();
    assert_eq!(d.on_bytes(b"show x\r\nout\r\nR1").unwrap(), Action::Wait);
    // The prompt's last character and trailing spaces in a later read.
    assert_eq!(d.on_bytes(b"#  ").unwrap(), Action::Finished);
    assert_eq!(d.outputs()[0].output, "out");
}

#[test]
fn echoed_secrets_are_masked_even_split_across_reads() {
    let scrub = Scrubber::new(&[Secret::new("pa55word"), Secret::new("en-s3cret")]);
    let mut d = dialogue(&["show run"], Some("en-s3cret")).scrubber(scrub.clone());
    d.on_bytes(b"R1#").unwrap();
    d.on_bytes(b"\r\nR1#").unwrap();
    d.on_bytes(b"show run\r\nusername a password 0 pa5")
        .unwrap();
    d.on_bytes(b"5word\r\nenable password en-s3").unwrap();
    assert_eq!(d.on_bytes(b"cret\r\nR1#").unwrap(), Action::Finished);
    assert_eq!(
        d.outputs()[0].output,
        "username a password 0 ***\nenable password ***"
    );
    // The error tail: a secret at the very start of the tail window is masked whole.
    let mut d = dialogue(&["show run"], None).scrubber(scrub);
    d.on_bytes(b"pa55").unwrap();
    d.on_bytes(b"word").unwrap();
    d.on_bytes(&[b'x'; TAIL_CHARS - 4]).unwrap();
    let tail = d.tail();
    assert!(!tail.contains("word") && !tail.contains("pa55"), "{tail}");
    assert!(tail.starts_with("***"), "{tail}");
}

#[test]
fn rejected_command_ends_the_device_with_its_output() {
    let mut d = dialogue(&["show foo", "show clock"], None);
    d.on_bytes(b"R1#").unwrap();
    assert_eq!(sent(d.on_bytes(b"\r\nR1#").unwrap()), "show foo\n");
    let a = d
        .on_bytes(b"show foo\r\n        ^\r\n% Invalid input detected at '^' marker.\r\n\r\nR1#")
        .unwrap();
    assert_eq!(a, Action::Finished);
    let e = d.rejection().unwrap().clone();
    assert_eq!(e.kind(), "command_rejected");
    assert_eq!(e.phase(), Some(Phase::Command));
    assert_eq!(
        e.to_string(),
        "the device rejected command 'show foo': % Invalid input detected at '^' marker."
    );
    // Kept for the report; the next command is not sent.
    assert_eq!(d.outputs().len(), 1);
    assert!(d.outputs()[0].output.ends_with("marker."));
    assert_eq!(d.exit_line(), b"exit\n");
}

#[test]
fn keep_policy_counts_a_rejected_command_as_output() {
    let mut d = dialogue(&["show foo", "show clock"], None).on_command_error(OnCommandError::Keep);
    d.on_bytes(b"R1#").unwrap();
    d.on_bytes(b"\r\nR1#").unwrap();
    let a = d
        .on_bytes(b"show foo\r\n% Incomplete command.\r\n\r\nR1#")
        .unwrap();
    assert_eq!(sent(a), "show clock\n");
    assert!(d.rejection().is_none());
}

#[test]
fn nxos_and_xr_have_no_enable_step() {
    let mut d = on("cisco_nxos", &["show clock"], Some("s3cret"));
    assert_eq!(
        sent(d.on_bytes(b"\r\nsw1# ").unwrap()),
        "terminal length 0\n"
    );
    assert_eq!(
        sent(d.on_bytes(b"terminal length 0\r\nsw1# ").unwrap()),
        "show clock\n"
    );
    let mut d = on("cisco_xr", &["show clock"], Some("s3cret"));
    assert_eq!(
        sent(d.on_bytes(b"\r\nRP/0/RP0/CPU0:R1#").unwrap()),
        "terminal length 0\n"
    );
    assert_eq!(d.base_prompt(), Some("RP/0/RP0/CPU0:R1"));
    d.on_bytes(b"terminal length 0\r\nRP/0/RP0/CPU0:R1#")
        .unwrap();
    let a = d
            .on_bytes(b"show clock\r\nSun Nov 22 08:36:01.242 UTC\r\n08:36:01.242 UTC Sun Nov 22 2026\r\nRP/0/RP0/CPU0:R1#")
            .unwrap();
    assert_eq!(a, Action::Finished);
    assert_eq!(
        d.outputs()[0].output,
        "Sun Nov 22 08:36:01.242 UTC\n08:36:01.242 UTC Sun Nov 22 2026"
    );
}

#[test]
fn eos_enables_like_ios() {
    let mut d = on("arista_eos", &["show clock"], Some("s3cret"));
    d.on_bytes(b"\r\nleaf1>").unwrap();
    assert_eq!(sent(d.on_bytes(b"\r\nleaf1>").unwrap()), "enable\n");
}

#[test]
fn junos_prompt_context_and_errors() {
    let mut d = on(
        "juniper_junos",
        &["show system uptime", "show foo"],
        Some("x"),
    );
    assert_eq!(
        sent(d.on_bytes(b"\r\n--- JUNOS 21.4R3\r\ncisco@R1> ").unwrap()),
        "set cli screen-length 0\n"
    );
    assert_eq!(d.base_prompt(), Some("cisco@R1"));
    assert_eq!(
            sent(
                d.on_bytes(b"set cli screen-length 0 \r\nScreen length set to 0\r\n\r\n{master:0}\r\ncisco@R1> ")
                    .unwrap()
            ),
            "show system uptime\n"
        );
    assert_eq!(
            sent(
                d.on_bytes(b"show system uptime \r\nCurrent time: 2026-11-22 08:36:01 UTC\r\n\r\n{master:0}\r\ncisco@R1> ")
                    .unwrap()
            ),
            "show foo\n"
        );
    assert_eq!(
        d.outputs()[0].output,
        "Current time: 2026-11-22 08:36:01 UTC"
    );
    let a = d
        .on_bytes(
            b"show foo \r\n           ^\r\nsyntax error, expecting <command>.\r\n\r\ncisco@R1> ",
        )
        .unwrap();
    assert_eq!(a, Action::Finished);
    assert_eq!(
        d.rejection().unwrap().to_string(),
        "the device rejected command 'show foo': syntax error, expecting <command>."
    );
}

#[test]
fn linux_prompt_after_escape_sequences_split_anywhere() {
    // What bash sends: an OSC window title, bracketed paste on, the prompt; after Enter,
    // bracketed paste off.
    let stream: &[&[u8]] = &[
        b"Last login: Sun Nov 22 08:00:00 2026 from 127.0.0.1\r\n\x1b]0;cisco@R1: ~\x07\x1b[?20",
        b"04hcisco@R1:~$ ",
    ];
    let mut d = on("linux", &["date"], Some("ignored"));
    assert_eq!(d.on_bytes(stream[0]).unwrap(), Action::Wait);
    assert_eq!(
        sent(d.on_bytes(stream[1]).unwrap()),
        "export PAGER=cat SYSTEMD_PAGER=cat\n"
    );
    assert_eq!(d.base_prompt(), Some("cisco@R1:~"));
    assert!(!d.is_privileged());
    assert_eq!(
        sent(
            d.on_bytes(
                b"export PAGER=cat SYSTEMD_PAGER=cat\r\n\x1b[?2004l\r\x1b[?2004hcisco@R1:~$ "
            )
            .unwrap()
        ),
        "date\n"
    );
    let a = d
            .on_bytes(b"date\r\n\x1b[?2004l\rSun Nov 22 08:36:01 UTC 2026\r\n\x1b]0;cisco@R1: ~\x07\x1b[?2004hcisco@R1:~$ ")
            .unwrap();
    assert_eq!(a, Action::Finished);
    assert_eq!(d.outputs()[0].output, "Sun Nov 22 08:36:01 UTC 2026");
    // A RHEL-style prompt, as root.
    let mut d = on("linux", &["id"], None);
    d.on_bytes(b"[root@db1 ~]# ").unwrap();
    assert_eq!(d.base_prompt(), Some("[root@db1 ~]"));
    assert!(d.is_privileged());
}

#[test]
fn linux_command_not_found_is_rejected() {
    let mut d = on("linux", &["show version"], None);
    d.on_bytes(b"u@h:~$ ").unwrap();
    d.on_bytes(b"export PAGER=cat SYSTEMD_PAGER=cat\r\nu@h:~$ ")
        .unwrap();
    let a = d
        .on_bytes(b"show version\r\n-bash: show: command not found\r\nu@h:~$ ")
        .unwrap();
    assert_eq!(a, Action::Finished);
    assert_eq!(d.rejection().unwrap().kind(), "command_rejected");
}

#[test]
fn a_junos_prompt_is_not_an_ios_prompt_and_vice_versa() {
    let ios = Platform::by_device_type("cisco_ios").unwrap();
    let junos = Platform::by_device_type("juniper_junos").unwrap();
    let linux = Platform::by_device_type("linux").unwrap();
    assert!(find_prompt_for(b"cisco@R1> ", None, ios).is_none());
    assert!(find_prompt_for(b"cisco@R1> ", None, junos).is_some());
    assert!(find_prompt_for(b"u@h:~$ ", None, ios).is_none());
    assert!(find_prompt_for(b"R1>", None, linux).is_none());
    // Junos config mode keeps the base; IOS-style `(config)` does not apply to it.
    assert!(find_prompt_for(b"[edit]\r\ncisco@R1# ", Some("cisco@R1"), junos).is_some());
    assert!(find_prompt_for(b"cisco@R1(x)# ", Some("cisco@R1"), junos).is_none());
}

#[test]
fn junos_pager_is_answered() {
    let mut d = on("juniper_junos", &["show configuration"], None);
    d.on_bytes(b"u@R1> ").unwrap();
    d.on_bytes(b"set cli screen-length 0\r\nunknown command.\r\n\r\nu@R1> ")
        .unwrap();
    assert_eq!(
        sent(
            d.on_bytes(b"show configuration\r\nversion 21.4;\r\n---(more 50%)---")
                .unwrap()
        ),
        " "
    );
    assert_eq!(
        d.on_bytes(b"system {}\r\n\r\nu@R1> ").unwrap(),
        Action::Finished
    );
    assert_eq!(d.outputs()[0].output, "version 21.4;\nsystem {}");
}

#[test]
fn extract_output_drops_echo_and_blank_edges() {
    assert_eq!(
        extract_output(b"show clock\r\n\r\n*1\r\n\r\n", "show clock"),
        "*1"
    );
    assert_eq!(extract_output(b"x\r\ny\r\n", "show clock"), "x\ny");
}

#[test]
fn a_session_limit_message_before_the_first_prompt_is_vty_busy() {
    let nxos = Platform::by_device_type("cisco_nxos").unwrap();
    let mut d = Dialogue::for_platform(nxos, vec!["show clock".into()], None);
    assert_eq!(
        d.on_bytes(b"\r\nCLI session limit 32 reached. Exiting.\r\n")
            .unwrap(),
        Action::Wait
    );
    assert_eq!(
        d.eof_error(),
        SessionError::VtyBusy {
            phase: Phase::Prompt,
            line: "CLI session limit 32 reached. Exiting.".into()
        }
    );
    // The same words on IOS mean nothing: IOS refuses before the login.
    let mut ios = dialogue(&["show clock"], None);
    ios.on_bytes(b"CLI session limit 32 reached. Exiting.\r\n")
        .unwrap();
    assert_eq!(
        ios.eof_error(),
        SessionError::Disconnected {
            phase: Phase::Prompt
        }
    );
    let linux = Platform::by_device_type("linux").unwrap();
    let mut l = Dialogue::for_platform(linux, vec![], None);
    l.on_bytes(b"Too many logins for 'cisco'.\r\n").unwrap();
    assert_eq!(l.eof_error().kind(), "vty_busy");
}

#[test]
fn again_runs_the_commands_on_the_same_shell_with_the_learned_prompt() {
    let mut d = dialogue(&["show clock", "show ver"], None);
    d.on_bytes(b"R1#").unwrap();
    d.on_bytes(b"terminal length 0\r\nR1#").unwrap();
    d.on_bytes(b"show clock\r\n*10:00\r\nR1#").unwrap();
    assert_eq!(
        d.on_bytes(b"show ver\r\nIOS\r\nR1#").unwrap(),
        Action::Finished
    );
    assert_eq!(d.take_outputs().len(), 2);
    // A later poll: the first command at once, no prompt or paging step again.
    assert_eq!(sent(d.again()), "show clock\n");
    assert_eq!(d.phase(), (Phase::Command, Some(0)));
    assert_eq!(
        sent(d.on_bytes(b"show clock\r\n*10:10\r\nR1#").unwrap()),
        "show ver\n"
    );
    assert_eq!(
        d.on_bytes(b"show ver\r\nIOS\r\nR1#").unwrap(),
        Action::Finished
    );
    let outs = d.take_outputs();
    assert_eq!(outs[0].output, "*10:10");
    assert_eq!(outs.len(), 2, "only this poll's outputs");
    assert!(d.rejection().is_none());
}
