//! Unit tests of `hostkeys` (kept beside it so the module reads as code).

use super::*;

// Made once with `ssh-keygen -t ed25519 -f k -N '' -C test`; `ssh-keygen -lf k.pub` printed
// `256 SHA256:F49jKK/LOjdaGqjFVAxXmCOLN7hZNf3ogCId4UZOdVU test (ED25519)`.
const ED25519: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIDGN0ZTfQC6zoTda8Op77cSjvbR588irBSUrW0jaCsy3";
const ED25519_FP: &str = "SHA256:F49jKK/LOjdaGqjFVAxXmCOLN7hZNf3ogCId4UZOdVU";
// `ssh-keygen -t ecdsa`: `256 SHA256:nAwm7NnHav2jbdPC+cTNzkKRFMCwfq4RlyJ/i28BDyk (ECDSA)`.
const ECDSA: &str = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGFvaFzDdqoxba/9/m3pC9X3o/Vn+I6A5PYJKyJ9mr++hjlj6vDjRO9MI8kwyXOBNVRfXPPdjJJX7LOzlStEmxY=";
const ECDSA_FP: &str = "SHA256:nAwm7NnHav2jbdPC+cTNzkKRFMCwfq4RlyJ/i28BDyk";
// Any other valid ed25519 blob (the ed25519 header and 32 zero bytes).
const OTHER: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

fn known_hosts() -> String {
    format!(
        "\
# a comment, then a blank line

192.0.2.1 ssh-ed25519 {ED25519}
router2,192.0.2.2 ecdsa-sha2-nistp256 {ECDSA} root@somewhere
[192.0.2.3]:2222 ssh-ed25519 {ED25519}
[192.0.2.4]:22 ssh-ed25519 {ED25519}
  Core5.Example.NET   ssh-ed25519   {ED25519}
[fe80::1]:830 ssh-ed25519 {ED25519}
|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= ssh-ed25519 {OTHER}
@cert-authority *.example.net ssh-ed25519 {OTHER}
@revoked 192.0.2.9 ssh-ed25519 {OTHER}
*.lab ssh-ed25519 {OTHER}
!192.0.2.10,192.0.2.11 ssh-ed25519 {OTHER}
truncated-line ssh-ed25519
"
    )
}

fn check(policy: HostKeyPolicy) -> HostKeyCheck {
    let mut c = HostKeyCheck::new(policy);
    c.add_known_hosts(&known_hosts());
    c
}

#[test]
fn fingerprints_match_ssh_keygen() {
    assert_eq!(
        fingerprint_sha256(&STANDARD.decode(ED25519).unwrap()),
        ED25519_FP
    );
    assert_eq!(
        fingerprint_sha256(&STANDARD.decode(ECDSA).unwrap()),
        ECDSA_FP
    );
}

#[test]
fn patterns() {
    assert_eq!(host_pattern("192.0.2.1", 22), "192.0.2.1");
    assert_eq!(host_pattern("Router1", 2222), "[router1]:2222");
    assert_eq!(host_pattern("::1", 22), "::1");
    assert_eq!(host_pattern("::1", 2222), "[::1]:2222");
}

#[test]
fn parses_every_form() {
    let c = check(HostKeyPolicy::Strict);
    let ed = vec![format!("ssh-ed25519 {ED25519}")];
    let ec = vec![format!("ecdsa-sha2-nistp256 {ECDSA}")];
    let mut want: HashMap<String, Vec<String>> = HashMap::new();
    want.insert("192.0.2.1".into(), ed.clone());
    want.insert("router2".into(), ec.clone());
    want.insert("192.0.2.2".into(), ec);
    want.insert("[192.0.2.3]:2222".into(), ed.clone());
    want.insert("192.0.2.4".into(), ed.clone());
    want.insert("core5.example.net".into(), ed.clone());
    want.insert("[fe80::1]:830".into(), ed.clone());
    // `!192.0.2.10` is skipped, but its plain neighbour on the line is kept.
    want.insert("192.0.2.11".into(), vec![format!("ssh-ed25519 {OTHER}")]);
    assert_eq!(c.known, want);
}

#[test]
fn verdicts() {
    let c = check(HostKeyPolicy::Strict);
    let v = |h, p, t, k| c.verdict(h, p, t, k);
    assert_eq!(
        v("192.0.2.1", 22, "ssh-ed25519", ED25519),
        KeyVerdict::Known
    );
    assert_eq!(
        v("ROUTER2", 22, "ecdsa-sha2-nistp256", ECDSA),
        KeyVerdict::Known
    );
    assert_eq!(
        v("192.0.2.3", 2222, "ssh-ed25519", ED25519),
        KeyVerdict::Known
    );
    assert_eq!(v("fe80::1", 830, "ssh-ed25519", ED25519), KeyVerdict::Known);
    // Port matters: the same host on another port is another entry.
    assert_eq!(v("192.0.2.3", 22, "ssh-ed25519", ED25519), KeyVerdict::New);
    assert_eq!(
        v("192.0.2.1", 2222, "ssh-ed25519", ED25519),
        KeyVerdict::New
    );
    // Hashed, marker and wildcard lines are not matched.
    assert_eq!(v("192.0.2.9", 22, "ssh-ed25519", OTHER), KeyVerdict::New);
    assert_eq!(v("x.lab", 22, "ssh-ed25519", OTHER), KeyVerdict::New);
    let changed = |fp: &str| KeyVerdict::Changed {
        expected_fingerprint: fp.to_string(),
    };
    assert_eq!(
        v("192.0.2.1", 22, "ssh-ed25519", OTHER),
        changed(ED25519_FP)
    );
    // Another key type for a known host is a change too, not a new host.
    assert_eq!(
        v("192.0.2.2", 22, "ssh-ed25519", ED25519),
        changed(ECDSA_FP)
    );
}

#[test]
fn decide_per_policy() {
    let new_line = format!("[192.0.2.7]:2201 ssh-ed25519 {ED25519}");
    let offered = format!("ssh-ed25519 {ED25519_FP}");
    for policy in [
        HostKeyPolicy::Strict,
        HostKeyPolicy::AcceptNew,
        HostKeyPolicy::Insecure,
    ] {
        let c = check(policy);
        let known = c.decide("192.0.2.1", 22, "ssh-ed25519", ED25519);
        let new = c.decide("192.0.2.7", 2201, "ssh-ed25519", ED25519);
        let changed = c.decide("192.0.2.2", 22, "ecdsa-sha2-nistp256", OTHER);
        assert_eq!(known, Ok(None), "{policy:?}");
        let refused = Err(SessionError::HostKeyChanged {
            host: "192.0.2.2".into(),
            expected: format!("ecdsa-sha2-nistp256 {ECDSA_FP}"),
            offered: format!("ecdsa-sha2-nistp256 {}", fingerprint_b64(OTHER)),
            known_at: None,
        });
        match policy {
            HostKeyPolicy::Strict => {
                let unknown = SessionError::HostKeyUnknown {
                    host: "[192.0.2.7]:2201".into(),
                    fingerprint: offered.clone(),
                };
                assert_eq!(new, Err(unknown));
                assert_eq!(changed, refused);
            }
            HostKeyPolicy::AcceptNew => {
                assert_eq!(new, Ok(Some(new_line.clone())));
                assert_eq!(changed, refused);
            }
            HostKeyPolicy::Insecure => {
                assert_eq!(new, Ok(None));
                assert_eq!(changed, Ok(None));
            }
        }
    }
}

#[test]
fn pin_makes_a_key_known() {
    let mut c = HostKeyCheck::new(HostKeyPolicy::Strict);
    assert_eq!(
        c.verdict("r1", 2201, "ssh-ed25519", ED25519),
        KeyVerdict::New
    );
    c.pin("r1", 2201, "ssh-ed25519", ED25519);
    c.pin("r1", 2201, "ssh-ed25519", ED25519);
    assert_eq!(
        c.verdict("R1", 2201, "ssh-ed25519", ED25519),
        KeyVerdict::Known
    );
    assert_eq!(c.known["[r1]:2201"].len(), 1);
}

#[test]
fn load_reads_files_in_order_and_skips_missing_ones() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    std::fs::write(&a, known_hosts()).unwrap();
    let files = [dir.path().join("missing"), a];
    let c = HostKeyCheck::load(HostKeyPolicy::AcceptNew, &files).unwrap();
    assert_eq!(c.policy, HostKeyPolicy::AcceptNew);
    assert_eq!(c.known.len(), 8);
    // A directory is not a missing file: that is an error naming the path.
    let err = HostKeyCheck::load(HostKeyPolicy::Strict, &[dir.path().to_path_buf()]);
    let msg = err.unwrap_err().to_string();
    assert!(msg.starts_with("cannot read known_hosts file /"), "{msg}");
}

#[test]
fn a_changed_key_names_its_file_line_and_the_removal_command() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("known hosts");
    std::fs::write(
        &file,
        format!(
            "# lab\n\n[192.0.2.7]:2201 ssh-ed25519 {ED25519}\n192.0.2.8 ssh-ed25519 {ED25519}\n"
        ),
    )
    .unwrap();
    let c = HostKeyCheck::load(HostKeyPolicy::Strict, std::slice::from_ref(&file)).unwrap();
    let f = file.display().to_string();
    let err = c
        .decide("192.0.2.7", 2201, "ssh-ed25519", OTHER)
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("HOST KEY CHANGED for [192.0.2.7]:2201"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("The old key is in {f}, line 3;")),
        "{msg}"
    );
    assert!(
        msg.ends_with(&format!("ssh-keygen -R '[192.0.2.7]:2201' -f '{f}'")),
        "{msg}"
    );
    // Port 22: the bare host, which needs no quotes.
    let msg = c
        .decide("192.0.2.8", 22, "ssh-ed25519", OTHER)
        .unwrap_err()
        .to_string();
    assert!(msg.contains(", line 4;"), "{msg}");
    assert!(msg.contains("ssh-keygen -R 192.0.2.8 -f"), "{msg}");
    // A pinned key (emulated fleets) has no file to point at.
    let mut pinned = HostKeyCheck::new(HostKeyPolicy::Strict);
    pinned.pin("r1", 2201, "ssh-ed25519", ED25519);
    let msg = pinned
        .decide("r1", 2201, "ssh-ed25519", OTHER)
        .unwrap_err()
        .to_string();
    assert!(msg.ends_with("refusing to connect"), "{msg}");
}

#[test]
fn append_creates_and_deduplicates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cfg/fleetbench/known_hosts");
    let l1 = format!("192.0.2.1 ssh-ed25519 {ED25519}");
    let l2 = format!("[192.0.2.2]:2201 ssh-ed25519 {ED25519}");
    append_known_hosts(&path, &[l1.clone(), l1.clone()]).unwrap();
    append_known_hosts(&path, &[l1.clone(), l2.clone()]).unwrap();
    append_known_hosts(&path, &[]).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, format!("{l1}\n{l2}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }
    // A file without a final newline gets one before the new lines.
    std::fs::write(&path, &l1).unwrap();
    append_known_hosts(&path, std::slice::from_ref(&l2)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, format!("{l1}\n{l2}\n"));
    let c = HostKeyCheck::load(HostKeyPolicy::Strict, &[path]).unwrap();
    assert_eq!(
        c.verdict("192.0.2.2", 2201, "ssh-ed25519", ED25519),
        KeyVerdict::Known
    );
}

#[test]
fn default_paths() {
    let p = |x: Option<&str>, h: Option<&str>| {
        write_file_for(x.map(PathBuf::from), h.map(PathBuf::from))
    };
    let want = PathBuf::from("/x/fleetbench/known_hosts");
    assert_eq!(p(Some("/x"), Some("/home/u")), want);
    let home = PathBuf::from("/home/u/.config/fleetbench/known_hosts");
    assert_eq!(p(Some("relative"), Some("/home/u")), home);
    assert_eq!(p(None, Some("/home/u")), home);
    assert_eq!(
        p(None, None),
        PathBuf::from(".config/fleetbench/known_hosts")
    );
    let files = default_known_hosts_files();
    assert_eq!(files.last(), Some(&default_write_file()));
}
