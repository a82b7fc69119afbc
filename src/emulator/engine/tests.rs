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
