//! `find_prompt` (with and without a learned base) and `extract_output` over arbitrary bytes.
//!
//! Input: one byte `k`; when `k` is odd, the next `k / 16` bytes are the learned base prompt
//! (lossy UTF-8); the rest is the buffer scanned, then the raw output extracted. Checks that a
//! found prompt lies inside the buffer and starts with its base, that with a learned base the
//! base is kept, and that extracted output has normalised line ends and no surrounding blank
//! lines.
#![no_main]

use fleetbench_client::dialogue::{extract_output, find_prompt};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let (base, buf) = if k & 1 == 1 {
        let n = usize::from(k / 16).min(rest.len());
        let (b, buf) = rest.split_at(n);
        (Some(String::from_utf8_lossy(b).into_owned()), buf)
    } else {
        (None, rest)
    };
    if let Some(p) = find_prompt(buf, base.as_deref()) {
        assert!(p.start <= buf.len());
        let line = &buf[p.start..];
        if base.is_none() {
            // A hostname is ASCII: the base is exactly the bytes of the line.
            assert!(line.starts_with(p.base.as_bytes()), "{p:?}");
            assert!(!p.base.is_empty() && p.base.len() <= 63);
        }
        if let Some(b) = &base {
            assert_eq!(&p.base, b);
        }
        let t = String::from_utf8_lossy(buf);
        let last = t.trim_end_matches(' ').chars().last();
        assert_eq!(last, Some(if p.privileged { '#' } else { '>' }));
        // What precedes the prompt is the command output: extract it.
        let _ = extract_output(&buf[..p.start], base.as_deref().unwrap_or("show clock"));
    }
    let command = base.as_deref().unwrap_or("show clock");
    let out = extract_output(buf, command);
    assert!(!out.contains('\r'), "{out:?}");
    assert!(!out.starts_with('\n') && !out.ends_with('\n'), "{out:?}");
});
